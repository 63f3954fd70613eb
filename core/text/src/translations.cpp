#include "guichet/text/translations.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace guichet::text {

// ---- plural rules ------------------------------------------------------------------------------

struct PluralRule::Node {
  enum Kind { Number, N, Not, Binary, Ternary } kind = Number;
  unsigned long value = 0;
  std::string op;
  std::shared_ptr<const Node> a, b, c;

  unsigned long eval(unsigned long n) const {
    switch (kind) {
      case Number:
        return value;
      case N:
        return n;
      case Not:
        return a->eval(n) == 0 ? 1 : 0;
      case Ternary:
        return a->eval(n) ? b->eval(n) : c->eval(n);
      case Binary: {
        const unsigned long x = a->eval(n);
        if (op == "&&") return x && b->eval(n) ? 1 : 0;
        if (op == "||") return x || b->eval(n) ? 1 : 0;
        const unsigned long y = b->eval(n);
        if (op == "==") return x == y;
        if (op == "!=") return x != y;
        if (op == "<") return x < y;
        if (op == ">") return x > y;
        if (op == "<=") return x <= y;
        if (op == ">=") return x >= y;
        if (op == "+") return x + y;
        if (op == "-") return x - y;
        if (op == "*") return x * y;
        if (op == "/") return y ? x / y : 0;
        if (op == "%") return y ? x % y : 0;
        return 0;
      }
    }
    return 0;
  }
};

namespace {

using NodeP = std::shared_ptr<const PluralRule::Node>;

// Recursive descent over the C subset gettext allows in plural= expressions.
class ExprParser {
 public:
  explicit ExprParser(std::string_view s) : s_(s) {}
  NodeP parse(std::string& error) {
    NodeP e = ternary();
    skip();
    if (!e || pos_ != s_.size()) {
      error =
          error_.empty() ? "unexpected '" + std::string(s_.substr(pos_, 10)) + "' in the plural expression" : error_;
      return nullptr;
    }
    return e;
  }

 private:
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool eat(std::string_view tok) {
    skip();
    if (s_.substr(pos_, tok.size()) != tok) return false;
    // "<" must not eat the start of "<=", "!" not "!=", "=" never alone.
    if ((tok == "<" || tok == ">" || tok == "!") && pos_ + 1 < s_.size() && s_[pos_ + 1] == '=') return false;
    if ((tok == "&" || tok == "|")) return false;
    pos_ += tok.size();
    return true;
  }
  NodeP fail(const std::string& message) {
    if (error_.empty()) error_ = message;
    return nullptr;
  }
  static NodeP binary(std::string op, NodeP a, NodeP b) {
    auto n = std::make_shared<PluralRule::Node>();
    n->kind = PluralRule::Node::Binary;
    n->op = std::move(op);
    n->a = std::move(a);
    n->b = std::move(b);
    return n;
  }
  NodeP ternary() {
    NodeP cond = level(0);
    if (!cond) return nullptr;
    if (!eat("?")) return cond;
    NodeP yes = ternary();
    if (!yes) return nullptr;
    if (!eat(":")) return fail("'?' without ':' in the plural expression");
    NodeP no = ternary();
    if (!no) return nullptr;
    auto n = std::make_shared<PluralRule::Node>();
    n->kind = PluralRule::Node::Ternary;
    n->a = cond;
    n->b = yes;
    n->c = no;
    return n;
  }
  // Binary operators by precedence, lowest first.
  NodeP level(int l) {
    static const std::vector<std::vector<std::string_view>> ops = {
        {"||"}, {"&&"}, {"==", "!="}, {"<=", ">=", "<", ">"}, {"+", "-"}, {"*", "/", "%"}};
    if (l == static_cast<int>(ops.size())) return unary();
    NodeP left = level(l + 1);
    if (!left) return nullptr;
    for (;;) {
      bool matched = false;
      for (std::string_view op : ops[static_cast<std::size_t>(l)]) {
        if (eat(op)) {
          NodeP right = level(l + 1);
          if (!right) return nullptr;
          left = binary(std::string(op), left, right);
          matched = true;
          break;
        }
      }
      if (!matched) return left;
    }
  }
  NodeP unary() {
    if (eat("!")) {
      NodeP a = unary();
      if (!a) return nullptr;
      auto n = std::make_shared<PluralRule::Node>();
      n->kind = PluralRule::Node::Not;
      n->a = a;
      return n;
    }
    skip();
    if (pos_ >= s_.size()) return fail("the plural expression ends too early");
    if (s_[pos_] == '(') {
      ++pos_;
      NodeP e = ternary();
      if (!e) return nullptr;
      if (!eat(")")) return fail("a '(' is not closed in the plural expression");
      return e;
    }
    if (s_[pos_] == 'n') {
      ++pos_;
      auto n = std::make_shared<PluralRule::Node>();
      n->kind = PluralRule::Node::N;
      return n;
    }
    if (std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
      unsigned long v = 0;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
        v = v * 10 + static_cast<unsigned long>(s_[pos_] - '0');
        ++pos_;
      }
      auto n = std::make_shared<PluralRule::Node>();
      n->value = v;
      return n;
    }
    return fail("unexpected '" + std::string(1, s_[pos_]) + "' in the plural expression");
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
};

std::string trim(std::string_view s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return std::string(s.substr(a, b - a));
}

}  // namespace

PluralRule::PluralRule() {
  auto n = std::make_shared<Node>();
  n->kind = Node::Binary;
  n->op = "!=";
  auto var = std::make_shared<Node>();
  var->kind = Node::N;
  auto one = std::make_shared<Node>();
  one->value = 1;
  n->a = var;
  n->b = one;
  expr_ = n;
}

std::optional<PluralRule> PluralRule::parse(std::string_view header, std::string& error) {
  // "nplurals=2; plural=(n != 1);"
  const auto np = header.find("nplurals");
  const auto pl = header.find("plural", np == std::string_view::npos ? 0 : np + 8);
  if (np == std::string_view::npos || pl == std::string_view::npos) {
    error = "Plural-Forms must read 'nplurals=N; plural=EXPRESSION;'";
    return std::nullopt;
  }
  std::string count = trim(header.substr(np + 8, header.find(';', np) - np - 8));
  if (count.empty() || count[0] != '=') {
    error = "Plural-Forms: 'nplurals' must be followed by '='";
    return std::nullopt;
  }
  count = trim(count.substr(1));
  if (count.empty() || count.size() > 1 || !std::isdigit(static_cast<unsigned char>(count[0])) || count == "0") {
    error = "Plural-Forms: nplurals must be 1 to 9, not '" + count + "'";
    return std::nullopt;
  }
  std::string expr = trim(header.substr(pl + 6));
  if (expr.empty() || expr[0] != '=') {
    error = "Plural-Forms: 'plural' must be followed by '='";
    return std::nullopt;
  }
  expr = trim(expr.substr(1));
  if (!expr.empty() && expr.back() == ';') expr.pop_back();
  ExprParser parser(expr);
  NodeP node = parser.parse(error);
  if (!node) {
    error = "Plural-Forms: " + error;
    return std::nullopt;
  }
  PluralRule rule;
  rule.nplurals_ = count[0] - '0';
  rule.expr_ = node;
  // Every count must pick an existing form.
  for (unsigned long n = 0; n <= 1000; ++n) {
    if (rule.expr_->eval(n) >= static_cast<unsigned long>(rule.nplurals_)) {
      error = "Plural-Forms: for n = " + std::to_string(n) + " the expression gives form " +
              std::to_string(rule.expr_->eval(n)) + ", but nplurals is " + std::to_string(rule.nplurals_);
      return std::nullopt;
    }
  }
  return rule;
}

int PluralRule::form(unsigned long n) const {
  const unsigned long f = expr_->eval(n);
  return f < static_cast<unsigned long>(nplurals_) ? static_cast<int>(f) : 0;
}

// ---- placeholders (a doubled brace is a literal one)
// ------------------------------------------------------------------------------

std::vector<std::string> placeholders(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') continue;
    if (i + 1 < text.size() && text[i + 1] == '{') {
      ++i;
      continue;
    }
    const std::size_t close = text.find('}', i);
    if (close == std::string_view::npos) break;
    std::string name(text.substr(i + 1, close - i - 1));
    if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    i = close;
  }
  return out;
}

std::string substitute(std::string_view text, const std::map<std::string, std::string>& values) {
  std::string out;
  out.reserve(text.size() + 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((text[i] == '{' || text[i] == '}') && i + 1 < text.size() && text[i + 1] == text[i]) {
      out += text[i];  // "{{" and "}}" are literal braces
      ++i;
      continue;
    }
    if (text[i] == '{') {
      const std::size_t close = text.find('}', i);
      if (close != std::string_view::npos) {
        auto it = values.find(std::string(text.substr(i + 1, close - i - 1)));
        if (it != values.end()) {
          out += it->second;
          i = close;
          continue;
        }
      }
    }
    out += text[i];
  }
  return out;
}

// ---- .po files ---------------------------------------------------------------------------------

namespace {

std::string key_of(std::string_view context, std::string_view msgid) {
  std::string k(context);
  k += '\x04';
  k += msgid;
  return k;
}

class PoParser {
 public:
  PoParser(std::string_view text, std::string file) : text_(text), file_(std::move(file)) {}

  PoResult run() {
    std::size_t pos = 0;
    while (pos <= text_.size() && !error_) {
      std::size_t end = text_.find('\n', pos);
      if (end == std::string_view::npos) end = text_.size();
      ++line_;
      std::string_view l = text_.substr(pos, end - pos);
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      handle(l);
      if (end == text_.size()) break;
      pos = end + 1;
    }
    if (!error_) finish_entry();
    if (!error_ && !header_seen_) fail(1, "the header entry (msgid \"\") with Language and Plural-Forms is missing");
    PoResult r;
    if (error_) {
      r.error = error_;
    } else {
      r.catalog = std::move(catalog_);
    }
    return r;
  }

 private:
  enum class Field { None, Context, Id, IdPlural, Str };

  void fail(int line, std::string message) {
    if (!error_) error_ = PoError{file_, line, std::move(message)};
  }

  // "…" with C escapes; false (and an error) if malformed.
  bool quoted(std::string_view s, std::string& out) {
    std::string t = trim(s);
    if (t.size() < 2 || t.front() != '"' || t.back() != '"') {
      fail(line_, "expected a string in double quotes, found: " + t.substr(0, 40));
      return false;
    }
    for (std::size_t i = 1; i + 1 < t.size(); ++i) {
      char c = t[i];
      if (c == '"') {
        fail(line_, "an unescaped '\"' inside a string");
        return false;
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i + 2 >= t.size()) {
        fail(line_, "a string ends with a lone backslash");
        return false;
      }
      c = t[++i];
      switch (c) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        default:
          fail(line_, std::string("unknown escape '\\") + c + "'");
          return false;
      }
    }
    return true;
  }

  void handle(std::string_view l) {
    const std::string t = trim(l);
    if (t.empty()) {
      finish_entry();
      return;
    }
    if (t[0] == '#') {
      if (t.rfind("#~", 0) == 0) return;  // obsolete entries
      if (t.rfind("#,", 0) == 0 && t.find("fuzzy") != std::string::npos) {
        if (field_ == Field::Str) finish_entry();
        fuzzy_ = true;
      }
      return;
    }
    if (t[0] == '"') {
      if (field_ == Field::None) {
        fail(line_, "a continued string without a keyword before it");
        return;
      }
      std::string piece;
      if (!quoted(t, piece)) return;
      target() += piece;
      return;
    }
    const std::size_t sp = t.find_first_of(" \t");
    const std::string keyword = t.substr(0, sp);
    const std::string rest = sp == std::string::npos ? std::string() : t.substr(sp);
    if (keyword == "msgctxt" || (keyword == "msgid" && field_ != Field::Context)) {
      if (field_ == Field::Str || field_ == Field::IdPlural || field_ == Field::Id) finish_entry();
    }
    if (keyword == "msgctxt") {
      entry_.line = line_;
      field_ = Field::Context;
      quoted(rest, entry_.context);
      has_context_ = true;
    } else if (keyword == "msgid") {
      if (field_ != Field::Context) entry_.line = line_;
      field_ = Field::Id;
      has_id_ = true;
      quoted(rest, entry_.msgid);
    } else if (keyword == "msgid_plural") {
      if (field_ != Field::Id) {
        fail(line_, "msgid_plural must follow a msgid");
        return;
      }
      field_ = Field::IdPlural;
      has_plural_ = true;
      quoted(rest, entry_.msgid_plural);
    } else if (keyword.rfind("msgstr", 0) == 0) {
      if (!has_id_) {
        fail(line_, "msgstr without a msgid before it");
        return;
      }
      int index = -1;
      if (keyword != "msgstr") {
        if (keyword.size() < 9 || keyword[6] != '[' || keyword.back() != ']') {
          fail(line_, "unknown keyword '" + keyword + "'");
          return;
        }
        const std::string digits = keyword.substr(7, keyword.size() - 8);
        if (digits.empty() || digits.size() > 1 || !std::isdigit(static_cast<unsigned char>(digits[0]))) {
          fail(line_, "'" + keyword + "': the plural form index must be 0 to 9");
          return;
        }
        index = digits[0] - '0';
        if (!has_plural_) {
          fail(line_, keyword + " in an entry without msgid_plural");
          return;
        }
        if (index != static_cast<int>(entry_.msgstr.size())) {
          fail(line_, keyword + " out of order: expected msgstr[" + std::to_string(entry_.msgstr.size()) + "]");
          return;
        }
      } else if (has_plural_) {
        fail(line_, "an entry with msgid_plural needs msgstr[0], msgstr[1], …, not msgstr");
        return;
      } else if (!entry_.msgstr.empty()) {
        fail(line_, "a second msgstr in one entry");
        return;
      }
      field_ = Field::Str;
      entry_.msgstr.emplace_back();
      quoted(rest, entry_.msgstr.back());
    } else {
      fail(line_, "unknown keyword '" + keyword + "'");
    }
  }

  std::string& target() {
    switch (field_) {
      case Field::Context:
        return entry_.context;
      case Field::Id:
        return entry_.msgid;
      case Field::IdPlural:
        return entry_.msgid_plural;
      default:
        return entry_.msgstr.back();
    }
  }

  void header(const PoEntry& e) {
    header_seen_ = true;
    std::istringstream lines(e.msgstr.empty() ? std::string() : e.msgstr[0]);
    std::string h;
    while (std::getline(lines, h)) {
      const auto colon = h.find(':');
      if (colon == std::string::npos) continue;
      const std::string name = trim(h.substr(0, colon)), value = trim(h.substr(colon + 1));
      if (name == "Language") catalog_.language = value;
      if (name == "Content-Type" && value.find("charset=") != std::string::npos &&
          value.find("charset=UTF-8") == std::string::npos && value.find("charset=utf-8") == std::string::npos) {
        fail(e.line, "the file must be UTF-8 (" + value + ")");
      }
      if (name == "Plural-Forms") {
        std::string error;
        auto rule = PluralRule::parse(value, error);
        if (!rule) {
          fail(e.line, error);
        } else {
          catalog_.plural = *rule;
        }
      }
    }
  }

  void finish_entry() {
    if (!has_id_ && !has_context_) {
      reset();
      return;
    }
    PoEntry e = std::move(entry_);
    const bool fuzzy = fuzzy_;
    const bool plural = has_plural_;
    reset();
    if (e.msgstr.empty()) {
      fail(e.line, "msgid \"" + e.msgid.substr(0, 40) + "\" has no msgstr");
      return;
    }
    if (e.msgid.empty() && e.context.empty()) {
      if (header_seen_) {
        fail(e.line, "a second header entry (msgid \"\")");
        return;
      }
      header(e);
      return;
    }
    if (!header_seen_) {
      fail(e.line, "the header entry (msgid \"\") must come first");
      return;
    }
    if (plural && static_cast<int>(e.msgstr.size()) != catalog_.plural.forms()) {
      fail(e.line, "msgid \"" + e.msgid.substr(0, 40) + "\" has " + std::to_string(e.msgstr.size()) +
                       " plural forms, but the header's Plural-Forms says " + std::to_string(catalog_.plural.forms()));
      return;
    }
    // Placeholders: a translation must carry the English text's {names}, and no others.
    const auto wanted = placeholders(plural ? e.msgid_plural : e.msgid);
    std::set<std::string> allowed(wanted.begin(), wanted.end());
    for (const auto& p : placeholders(e.msgid)) allowed.insert(p);
    bool translated = false;
    for (std::size_t f = 0; f < e.msgstr.size(); ++f) {
      if (e.msgstr[f].empty()) continue;
      translated = true;
      const auto got = placeholders(e.msgstr[f]);
      for (const auto& p : got) {
        if (!allowed.count(p)) {
          fail(e.line, "the translation of \"" + e.msgid.substr(0, 40) + "\" has a placeholder {" + p +
                           "} that the English text does not");
          return;
        }
      }
      // The singular translation, and the last plural form (the general one), need every {name}.
      const bool must_have_all = !plural || f + 1 == e.msgstr.size();
      for (const auto& p : plural ? wanted : placeholders(e.msgid)) {
        if (must_have_all && std::find(got.begin(), got.end(), p) == got.end()) {
          fail(e.line, "the translation of \"" + e.msgid.substr(0, 40) + "\" lacks the placeholder {" + p + "}");
          return;
        }
      }
    }
    const std::string key = key_of(e.context, e.msgid);
    if (auto it = seen_.find(key); it != seen_.end()) {
      fail(e.line,
           "msgid \"" + e.msgid.substr(0, 40) + "\" is given twice (first on line " + std::to_string(it->second) + ")");
      return;
    }
    seen_.emplace(key, e.line);
    if (!translated || fuzzy) return;  // the English text shows instead
    for (const auto& s : e.msgstr) {
      if (s.empty()) return;  // a plural entry with a missing form is not used half-done
    }
    e.fuzzy = fuzzy;
    catalog_.entries.emplace(key, std::move(e));
  }

  void reset() {
    entry_ = PoEntry{};
    field_ = Field::None;
    has_id_ = has_context_ = has_plural_ = fuzzy_ = false;
  }

  std::string_view text_;
  std::string file_;
  int line_ = 0;
  std::optional<PoError> error_;
  Catalog catalog_;
  PoEntry entry_;
  Field field_ = Field::None;
  bool has_id_ = false, has_context_ = false, has_plural_ = false, fuzzy_ = false, header_seen_ = false;
  std::map<std::string, int> seen_;
};

}  // namespace

PoResult parse_po(std::string_view text, const std::string& file) { return PoParser(text, file).run(); }

PoResult load_po(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    PoResult r;
    r.error = PoError{path, 0, "cannot read the file"};
    return r;
  }
  std::string text((std::istreambuf_iterator<char>(in)), {});
  return parse_po(text, path);
}

// ---- catalogs ----------------------------------------------------------------------------------

const PoEntry* Catalog::find(std::string_view msgid, std::string_view context) const {
  auto it = entries.find(key_of(context, msgid));
  return it == entries.end() ? nullptr : &it->second;
}

std::string Catalog::get(std::string_view msgid, std::string_view context) const {
  const PoEntry* e = find(msgid, context);
  return e && e->msgid_plural.empty() ? e->msgstr[0] : std::string(msgid);
}

std::string Catalog::get_plural(std::string_view msgid, std::string_view msgid_plural, unsigned long n,
                                std::string_view context) const {
  const PoEntry* e = find(msgid, context);
  if (e && !e->msgid_plural.empty()) {
    const auto f = static_cast<std::size_t>(plural.form(n));
    if (f < e->msgstr.size()) return e->msgstr[f];
  }
  return std::string(n == 1 ? msgid : msgid_plural);
}

std::optional<PoError> Translations::load_dir(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(dir, ec)) {
    if (f.path().extension() == ".po") files.push_back(f.path());
  }
  if (ec) return PoError{dir, 0, "cannot read the folder: " + ec.message()};
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    PoResult r = load_po(f.string());
    if (r.error) return r.error;
    if (r.catalog->language.empty()) r.catalog->language = f.stem().string();
    if (r.catalog->language != f.stem().string()) {
      return PoError{
          f.string(), 1,
          "the header says Language: " + r.catalog->language + ", but the file is named for " + f.stem().string()};
    }
    add(std::move(*r.catalog));
  }
  return std::nullopt;
}

void Translations::add(Catalog catalog) {
  std::string lang = catalog.language;
  catalogs_[lang] = std::move(catalog);
}

bool Translations::has(std::string_view language) const {
  return language == "en" || catalogs_.find(language) != catalogs_.end();
}

std::vector<std::string> Translations::languages() const {
  std::vector<std::string> out{"en"};
  for (const auto& [lang, c] : catalogs_) {
    if (lang != "en") out.push_back(lang);
  }
  return out;
}

const Catalog* Translations::catalog(std::string_view language) const {
  auto it = catalogs_.find(language);
  return it == catalogs_.end() ? nullptr : &it->second;
}

std::string Translations::get(std::string_view language, std::string_view msgid, std::string_view context) const {
  const Catalog* c = catalog(language);
  return c ? c->get(msgid, context) : std::string(msgid);
}

std::string Translations::get_plural(std::string_view language, std::string_view msgid, std::string_view msgid_plural,
                                     unsigned long n, std::string_view context) const {
  const Catalog* c = catalog(language);
  if (c) return c->get_plural(msgid, msgid_plural, n, context);
  return std::string(n == 1 ? msgid : msgid_plural);
}

}  // namespace guichet::text
