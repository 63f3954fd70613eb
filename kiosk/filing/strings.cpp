#include "strings.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace guichet::kiosk {

namespace {

// The content of a "…" literal starting at s[i] (i at the opening quote).
bool read_literal(std::string_view s, std::size_t i, std::string& out, std::string& problem) {
  if (i >= s.size() || s[i] != '"') {
    problem = "expected a quoted string";
    return false;
  }
  for (++i; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      std::string_view rest = s.substr(i + 1);
      if (rest.find_first_not_of(" \t\r") != std::string_view::npos) {
        problem = "unexpected text after the closing quote";
        return false;
      }
      return true;
    }
    if (c == '\\') {
      if (++i >= s.size()) break;
      switch (s[i]) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        default:
          problem = std::string("unknown escape \\") + s[i];
          return false;
      }
      continue;
    }
    out += c;
  }
  problem = "unterminated string";
  return false;
}

std::string_view trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

domain::Result<Messages, PoError> parse_po(std::string_view text, const std::string& file) {
  Messages out;
  std::string id, str;
  enum class Field { None, Id, Str } field = Field::None;
  bool have_id = false, have_str = false;
  int line_no = 0, entry_line = 0;
  auto flush = [&]() -> std::optional<PoError> {
    if (!have_id && !have_str) return std::nullopt;
    if (!have_id || !have_str) return PoError{file, entry_line, "msgid without msgstr"};
    if (!id.empty() && !str.empty()) out[id] = str;
    id.clear();
    str.clear();
    have_id = have_str = false;
    field = Field::None;
    return std::nullopt;
  };
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    std::string_view line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    std::string problem;
    if (line.starts_with("msgid ")) {
      if (auto e = flush()) return *e;
      entry_line = line_no;
      field = Field::Id;
      have_id = true;
      if (!read_literal(line, line.find('"'), id, problem)) return PoError{file, line_no, problem};
    } else if (line.starts_with("msgstr ")) {
      if (!have_id || have_str) return PoError{file, line_no, "msgstr without a msgid before it"};
      field = Field::Str;
      have_str = true;
      if (!read_literal(line, line.find('"'), str, problem)) return PoError{file, line_no, problem};
    } else if (line[0] == '"') {
      if (field == Field::None) return PoError{file, line_no, "string continuation outside an entry"};
      if (!read_literal(line, 0, field == Field::Id ? id : str, problem)) return PoError{file, line_no, problem};
    } else {
      return PoError{file, line_no, "expected msgid, msgstr, a quoted string or a comment"};
    }
  }
  if (auto e = flush()) return *e;
  return out;
}

domain::Result<Strings, PoError> Strings::load(const std::string& dir, const std::vector<std::string>& languages) {
  Strings s;
  for (const auto& lang : languages) {
    if (lang == "en") continue;
    auto path = std::filesystem::path(dir) / (lang + ".po");
    std::ifstream in(path, std::ios::binary);
    if (!in) continue;  // no translation yet: English is shown
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = parse_po(text.str(), path.string());
    if (!parsed.ok()) return parsed.error();
    s.add(lang, std::move(parsed).value());
  }
  return s;
}

domain::Result<Strings, PoError> Strings::load_all(const std::string& dir) {
  std::vector<std::string> languages;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".po") languages.push_back(entry.path().stem().string());
  }
  return load(dir, languages);
}

std::string Strings::get(const std::string& lang, std::string_view english) const {
  auto l = by_lang_.find(lang);
  if (l == by_lang_.end()) return std::string(english);
  auto m = l->second.find(english);
  return m == l->second.end() ? std::string(english) : m->second;
}

std::string Strings::fmt(const std::string& lang, std::string_view english,
                         const std::map<std::string, std::string>& values) const {
  return substitute(get(lang, english), values);
}

std::string substitute(std::string_view text, const std::map<std::string, std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '{') {
      auto close = text.find('}', i);
      if (close != std::string_view::npos) {
        auto v = values.find(std::string(text.substr(i + 1, close - i - 1)));
        if (v != values.end()) {
          out += v->second;
          i = close + 1;
          continue;
        }
      }
    }
    out += text[i++];
  }
  return out;
}

std::string default_locale_dir() {
  if (const char* env = std::getenv("GUICHET_KIOSK_LOCALES")) return env;
  if (std::filesystem::exists(GUICHET_KIOSK_LOCALE_INSTALL_DIR)) return GUICHET_KIOSK_LOCALE_INSTALL_DIR;
  return GUICHET_KIOSK_LOCALE_SOURCE_DIR;
}

}  // namespace guichet::kiosk
