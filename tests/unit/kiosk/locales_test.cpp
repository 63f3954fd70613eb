// Completeness of the translations: every string the kiosk marks (tr, trc, trn, N_) is extracted
// from the sources with xgettext, exactly as locales/update.sh does, and then
//  - locales/guichet.pot must hold exactly those strings (run locales/update.sh when not);
//  - every language (pa, hi, ur, fr) must translate each of them, not fuzzy, with its plural
//    forms, and have no entry the sources no longer use;
//  - every locales/*.po must load with guichet::text (a broken file fails with file:line).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "guichet/text/translations.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kSource = GUICHET_SOURCE_DIR;
const fs::path kLocales = kSource / "locales";
const char* const kLanguages[] = {"pa", "hi", "ur", "fr"};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// One entry as written in a .po/.pot file (a reader of its own, independent of the parser under
// test, that also sees untranslated and fuzzy entries).
struct Entry {
  std::string context, msgid, plural;
  bool fuzzy = false;
  int line = 0;
  std::string key() const { return (context.empty() ? "" : context + "\x04") + msgid; }
  std::string shown() const { return (context.empty() ? "" : "[" + context + "] ") + "\"" + msgid + "\""; }
};

std::string unquote(const std::string& s) {
  auto a = s.find('"'), b = s.rfind('"');
  std::string out;
  if (a == std::string::npos || b <= a) return out;
  for (auto i = a + 1; i < b; ++i) {
    if (s[i] == '\\' && i + 1 < b) {
      char c = s[++i];
      out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<Entry> entries_of(const std::string& text) {
  std::vector<Entry> out;
  Entry cur;
  bool fuzzy = false;
  std::string* field = nullptr;
  std::string ignored;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  auto flush = [&] {
    if (cur.line > 0 && !cur.msgid.empty()) out.push_back(cur);  // the header has an empty msgid
    cur = Entry{};
  };
  while (std::getline(in, line)) {
    ++n;
    if (line.rfind("#,", 0) == 0) {
      if (line.find("fuzzy") != std::string::npos) fuzzy = true;
    } else if (line.empty() || line[0] == '#') {
      continue;
    } else if (line.rfind("msgctxt ", 0) == 0) {
      if (cur.line > 0) flush();
      cur.context = unquote(line);
      cur.line = -1;  // an entry has started: its msgid follows
      field = &cur.context;
    } else if (line.rfind("msgid_plural ", 0) == 0) {
      cur.plural = unquote(line);
      field = &cur.plural;
    } else if (line.rfind("msgid ", 0) == 0) {
      if (cur.line > 0) flush();
      cur.msgid = unquote(line);
      cur.line = n;
      cur.fuzzy = fuzzy;
      fuzzy = false;
      field = &cur.msgid;
    } else if (line.rfind("msgstr", 0) == 0) {
      field = &ignored;
    } else if (line[0] == '"' && field) {
      *field += unquote(line);
    }
  }
  flush();
  return out;
}

std::map<std::string, Entry> by_key(const std::vector<Entry>& entries) {
  std::map<std::string, Entry> out;
  for (const auto& e : entries) out[e.key()] = e;
  return out;
}

// The strings the sources mark today, extracted by xgettext with locales/xgettext.args.
std::map<std::string, Entry> extract(std::string& problem) {
  const std::string xgettext = GUICHET_XGETTEXT;
  if (xgettext.empty()) {
    problem = "xgettext was not found at configure time (Debian package gettext)";
    return {};
  }
  std::vector<std::string> sources;
  for (const auto& f : fs::recursive_directory_iterator(kSource / "kiosk")) {
    if (f.path().extension() == ".cpp") sources.push_back(fs::relative(f.path(), kSource).string());
  }
  std::sort(sources.begin(), sources.end());
  std::string args;
  std::istringstream list(read(kLocales / "xgettext.args"));
  for (std::string a; std::getline(list, a);) {
    if (!a.empty() && a[0] != '#') args += " '" + a + "'";
  }
  const fs::path out = fs::temp_directory_path() / ("guichet-extracted-" + std::to_string(::getpid()) + ".pot");
  std::string cmd = "cd '" + kSource.string() + "' && '" + xgettext + "'" + args + " -o '" + out.string() + "'";
  for (const auto& s : sources) cmd += " '" + s + "'";
  if (std::system(cmd.c_str()) != 0) {
    problem = "xgettext failed: " + cmd;
    return {};
  }
  auto entries = by_key(entries_of(read(out)));
  fs::remove(out);
  return entries;
}

}  // namespace

TEST(LocaleCatalogues, TheExtractorFindsTheMarkedStrings) {
  std::string problem;
  auto extracted = extract(problem);
  ASSERT_TRUE(problem.empty()) << problem;
  // A few of each kind of marked call, so that a broken keyword list cannot pass as "complete".
  EXPECT_TRUE(extracted.count("Token {token}, counter {counter}")) << "tr()";
  EXPECT_TRUE(extracted.count(std::string("slip\x04") + "Token")) << "trc() with its context";
  ASSERT_TRUE(extracted.count("{n} person before you")) << "trn()";
  EXPECT_EQ(extracted.at("{n} person before you").plural, "{n} people before you");
  EXPECT_TRUE(extracted.count("Approved")) << "N_()";
  EXPECT_TRUE(extracted.count("Which service do you need?")) << "a screen's v.tr()";
  EXPECT_GT(extracted.size(), 100u);
}

TEST(LocaleCatalogues, TheTemplateIsUpToDate) {
  std::string problem;
  auto extracted = extract(problem);
  ASSERT_TRUE(problem.empty()) << problem;
  auto pot = by_key(entries_of(read(kLocales / "guichet.pot")));
  for (const auto& [key, e] : extracted) {
    auto it = pot.find(key);
    EXPECT_TRUE(it != pot.end()) << "locales/guichet.pot lacks " << e.shown() << ": run locales/update.sh";
    if (it != pot.end()) {
      EXPECT_EQ(it->second.plural, e.plural) << e.shown() << ": run locales/update.sh";
    }
  }
  for (const auto& [key, e] : pot) {
    EXPECT_TRUE(extracted.count(key)) << "locales/guichet.pot:" << e.line << ": " << e.shown()
                                      << " is no longer in the sources: run locales/update.sh";
  }
}

TEST(LocaleCatalogues, EveryLanguageTranslatesEveryString) {
  std::string problem;
  auto extracted = extract(problem);
  ASSERT_TRUE(problem.empty()) << problem;
  for (const char* lang : kLanguages) {
    const fs::path file = kLocales / (std::string(lang) + ".po");
    auto loaded = guichet::text::load_po(file.string());
    ASSERT_FALSE(loaded.error) << loaded.error->to_string();
    const auto& catalog = *loaded.catalog;  // keeps only translated, non-fuzzy entries
    EXPECT_EQ(catalog.language, lang) << file;
    for (const auto& [key, e] : extracted) {
      const auto* t = catalog.find(e.msgid, e.context);
      EXPECT_NE(t, nullptr) << lang << ": " << e.shown() << " is missing or fuzzy in " << file.string();
      if (!t) continue;
      EXPECT_EQ(t->msgid_plural, e.plural)
          << lang << ": " << e.shown() << " must be a " << (e.plural.empty() ? "singular" : "plural") << " entry";
      for (const auto& form : t->msgstr) EXPECT_FALSE(form.empty()) << lang << ": " << e.shown();
    }
    for (const auto& e : entries_of(read(file))) {
      EXPECT_TRUE(extracted.count(e.key())) << file.string() << ":" << e.line << ": " << e.shown()
                                            << " is no longer in the sources: run locales/update.sh";
    }
  }
}

TEST(LocaleCatalogues, EveryCatalogueLoads) {
  int files = 0;
  for (const auto& f : fs::directory_iterator(kLocales)) {
    if (f.path().extension() != ".po") continue;
    ++files;
    auto r = guichet::text::load_po(f.path().string());
    EXPECT_FALSE(r.error) << r.error->to_string();
  }
  EXPECT_EQ(files, 4);
  guichet::text::Translations all;
  auto error = all.load_dir(kLocales.string());
  EXPECT_FALSE(error) << error->to_string();
}

TEST(LocaleCatalogues, TheReaderSeesFuzzyAndPluralEntries) {
  // The test's own reader must see what it checks, or a fuzzy entry could pass unnoticed.
  auto e = entries_of(
      "msgid \"\"\nmsgstr \"\"\n\n#, fuzzy\nmsgctxt \"slip\"\nmsgid \"To\"\n\"ken\"\nmsgstr \"x\"\n\n"
      "msgid \"{n} day\"\nmsgid_plural \"{n} days\"\nmsgstr[0] \"\"\nmsgstr[1] \"\"\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].context, "slip");
  EXPECT_EQ(e[0].msgid, "Token");
  EXPECT_TRUE(e[0].fuzzy);
  EXPECT_EQ(e[0].line, 6);
  EXPECT_EQ(e[1].plural, "{n} days");
  EXPECT_FALSE(e[1].fuzzy);
}
