#include "guichet/ui/automation.hpp"

#include <charconv>

namespace guichet::ui {

const ScreenItem* ScreenRecord::find_control(std::string_view label) const {
  for (const auto& item : items) {
    if (item.kind == ScreenItem::Kind::Control && item.enabled && item.text == label) return &item;
  }
  const ScreenItem* only = nullptr;
  for (const auto& item : items) {
    if (item.kind == ScreenItem::Kind::Control && item.enabled && item.text.find(label) != std::string::npos) {
      // Two partial matches are ambiguous: refuse rather than tap the wrong one.
      if (only) return nullptr;
      only = &item;
    }
  }
  return only;
}

bool ScreenRecord::contains_text(std::string_view text) const {
  for (const auto& item : items) {
    if (item.text.find(text) != std::string::npos) return true;
  }
  return false;
}

std::vector<std::string> ScreenRecord::texts() const {
  std::vector<std::string> out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(item.text);
  return out;
}

namespace {

struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  void skip_space() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
  }
  bool at_end() {
    skip_space();
    return i >= s.size();
  }
};

// A quoted string with \" \\ \n escapes, or one bare word.
bool read_string(Cursor& c, std::string& out, std::string& problem) {
  c.skip_space();
  out.clear();
  if (c.i >= c.s.size()) {
    problem = "missing argument";
    return false;
  }
  if (c.s[c.i] != '"') {
    while (c.i < c.s.size() && c.s[c.i] != ' ' && c.s[c.i] != '\t' && c.s[c.i] != '\r') out += c.s[c.i++];
    return true;
  }
  ++c.i;
  while (c.i < c.s.size()) {
    char ch = c.s[c.i++];
    if (ch == '"') return true;
    if (ch == '\\') {
      if (c.i >= c.s.size()) break;
      char e = c.s[c.i++];
      if (e == 'n') {
        out += '\n';
      } else if (e == '"' || e == '\\') {
        out += e;
      } else {
        problem = std::string("unknown escape \\") + e;
        return false;
      }
      continue;
    }
    out += ch;
  }
  problem = "unterminated string";
  return false;
}

bool read_number(Cursor& c, int& out, std::string& problem) {
  c.skip_space();
  std::size_t start = c.i;
  while (c.i < c.s.size() && c.s[c.i] >= '0' && c.s[c.i] <= '9') ++c.i;
  if (start == c.i) {
    problem = "expected a number of milliseconds, got '" + std::string(c.s.substr(start)) + "'";
    return false;
  }
  auto [p, ec] = std::from_chars(c.s.data() + start, c.s.data() + c.i, out);
  if (ec != std::errc()) {
    problem = "number out of range";
    return false;
  }
  (void)p;
  if (c.i < c.s.size() && c.s[c.i] != ' ' && c.s[c.i] != '\t' && c.s[c.i] != '\r') {
    problem = "expected a number of milliseconds, got '" + std::string(c.s.substr(start)) + "'";
    return false;
  }
  return true;
}

}  // namespace

ScriptLineResult parse_script_line(std::string_view line, int line_no) {
  ScriptCommand cmd;
  cmd.line = line_no;
  Cursor c{line};
  if (c.at_end() || c.s[c.i] == '#') return cmd;

  std::size_t start = c.i;
  while (c.i < c.s.size() && c.s[c.i] != ' ' && c.s[c.i] != '\t' && c.s[c.i] != '\r') ++c.i;
  const std::string word(line.substr(start, c.i - start));

  struct Spec {
    ScriptOp op;
    bool needs_string;
    bool number_allowed;
    bool number_required;
  };
  static const std::pair<const char*, Spec> specs[] = {
      {"tap", {ScriptOp::Tap, true, true, false}},
      {"type", {ScriptOp::Type, true, true, false}},
      {"key", {ScriptOp::Key, true, false, false}},
      {"wait_text", {ScriptOp::WaitText, true, true, false}},
      {"expect_no_text", {ScriptOp::ExpectNoText, true, false, false}},
      {"screenshot", {ScriptOp::Screenshot, true, false, false}},
      {"sleep", {ScriptOp::Sleep, false, true, true}},
      {"dump", {ScriptOp::Dump, false, false, false}},
      {"quit", {ScriptOp::Quit, false, false, false}},
  };
  const Spec* spec = nullptr;
  for (const auto& [name, s] : specs) {
    if (word == name) spec = &s;
  }
  if (!spec) {
    return ScriptError{line_no, "unknown command '" + word +
                                    "' (expected tap, type, key, wait_text, expect_no_text, screenshot, sleep, "
                                    "dump or quit)"};
  }
  cmd.op = spec->op;
  std::string problem;
  if (spec->needs_string) {
    if (!read_string(c, cmd.arg, problem)) return ScriptError{line_no, word + ": " + problem};
    if (cmd.arg.empty()) return ScriptError{line_no, word + ": empty argument"};
  }
  if (spec->number_allowed && (spec->number_required || !c.at_end())) {
    if (!read_number(c, cmd.number, problem)) return ScriptError{line_no, word + ": " + problem};
  }
  if (!c.at_end()) {
    return ScriptError{line_no, word + ": unexpected '" + std::string(line.substr(c.i)) + "'"};
  }
  return cmd;
}

ScriptResult parse_script(std::string_view text) {
  std::vector<ScriptCommand> out;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    ++line_no;
    auto r = parse_script_line(line, line_no);
    if (!r.ok()) return r.error();
    if (r.value().op != ScriptOp::Nothing) out.push_back(std::move(r).value());
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return out;
}

}  // namespace guichet::ui
