// resolve_fonts with a cache file: the first answer is fontconfig's and is kept; later ones come
// from the file while the request and the files are unchanged, and from fontconfig again when not.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "guichet/text/fonts.hpp"

namespace guichet::text {
namespace {

namespace fs = std::filesystem;

class FontCache : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("guichet-font-cache-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string cache() const { return (dir_ / "fonts.cache").string(); }
  static std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

  fs::path dir_;
};

const std::vector<ScriptFonts> kNoto{{Script::Latin, {"Noto Sans"}}, {Script::Gurmukhi, {"Noto Sans Gurmukhi"}}};
const std::vector<ScriptFonts> kDejaVu{{Script::Latin, {"DejaVu Sans"}}, {Script::Gurmukhi, {"Noto Sans Gurmukhi"}}};

TEST_F(FontCache, TheFirstAnswerIsFontconfigsAndIsKept) {
  const auto direct = resolve_fonts(kNoto);
  const auto first = resolve_fonts(kNoto, cache());
  ASSERT_EQ(first.size(), 2u);
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].file, direct[i].file);
    EXPECT_EQ(first[i].family, direct[i].family);
    EXPECT_EQ(first[i].script, direct[i].script);
  }
  const std::string kept = read(cache());
  EXPECT_NE(kept.find(direct[0].file), std::string::npos) << kept;
  EXPECT_NE(kept.find(direct[1].file), std::string::npos) << kept;
  const auto again = resolve_fonts(kNoto, cache());
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].file, direct[0].file);
  EXPECT_EQ(again[1].file, direct[1].file);
  // A set opened from the answer draws the same faces as one that asked fontconfig.
  FontSet from_cache(again);
  FontSet asked(kNoto);
  EXPECT_EQ(from_cache.info(0).file, asked.info(0).file);
  EXPECT_EQ(from_cache.info(1).family, "Noto Sans Gurmukhi");
}

TEST_F(FontCache, AKeptAnswerIsUsedWithoutAskingFontconfig) {
  // Keep DejaVu's answer, then make the file claim it answers the Noto request: only a start that
  // reads the cache (and does not ask fontconfig) can come back with DejaVu for "Noto Sans".
  const auto dejavu = resolve_fonts(kDejaVu, cache());
  std::string text = read(cache());
  const std::string from = "Latin|DejaVu Sans\t", to = "Latin|Noto Sans\t";
  ASSERT_NE(text.find(from), std::string::npos) << text;
  text.replace(text.find(from), from.size(), to);
  write(cache(), text);
  const auto got = resolve_fonts(kNoto, cache());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].file, dejavu[0].file);
  EXPECT_NE(got[0].file, resolve_fonts(kNoto)[0].file);
}

TEST_F(FontCache, ACacheOfAnEarlierFormatIsLookedUpAgain) {
  // Format 1 was written when the regular lookup could pick a Bold file (Noto Nastaliq Urdu): its
  // answers are not reused. The same edit as above, under the old header, must not be believed.
  resolve_fonts(kDejaVu, cache());
  std::string text = read(cache());
  const std::string from = "Latin|DejaVu Sans\t", to = "Latin|Noto Sans\t";
  ASSERT_EQ(text.rfind("guichet-font-cache 2\n", 0), 0u) << text;
  text.replace(text.find(from), from.size(), to);
  text.replace(0, std::string("guichet-font-cache 2").size(), "guichet-font-cache 1");
  write(cache(), text);
  const auto got = resolve_fonts(kNoto, cache());
  EXPECT_EQ(got[0].file, resolve_fonts(kNoto)[0].file);
  EXPECT_EQ(read(cache()).rfind("guichet-font-cache 2\n", 0), 0u) << "the cache was not rewritten";
}

TEST_F(FontCache, AChangedRequestIsLookedUpAgainAndKept) {
  resolve_fonts(kDejaVu, cache());
  const auto noto = resolve_fonts(kNoto, cache());
  EXPECT_EQ(noto[0].file, resolve_fonts(kNoto)[0].file);
  EXPECT_NE(read(cache()).find("Latin|Noto Sans\t"), std::string::npos);
  EXPECT_EQ(read(cache()).find("DejaVu"), std::string::npos);
}

TEST_F(FontCache, AFileThatChangedIsLookedUpAgain) {
  const auto first = resolve_fonts(kNoto, cache());
  // The kept size and time of the Latin file no longer match: the answer is not trusted.
  std::string text = read(cache());
  const std::size_t line = text.find("Latin|Noto Sans\t");
  ASSERT_NE(line, std::string::npos);
  const std::size_t stamp = text.rfind('\t', text.find('\n', line)) + 1;
  text.replace(stamp, text.find('\n', line) - stamp, "1:1.1");
  // …and it names a file that is not a font, which must not be opened.
  const std::size_t file = text.find(first[0].file);
  text.replace(file, first[0].file.size(), "/nonexistent/font.ttf");
  write(cache(), text);
  const auto got = resolve_fonts(kNoto, cache());
  EXPECT_EQ(got[0].file, first[0].file);
  EXPECT_EQ(read(cache()).find("/nonexistent"), std::string::npos) << "the cache was not rewritten";
}

TEST_F(FontCache, ADamagedCacheIsRewritten) {
  write(cache(), "not a font cache\n\x01\x02\n");
  const auto got = resolve_fonts(kNoto, cache());
  EXPECT_EQ(got[0].file, resolve_fonts(kNoto)[0].file);
  EXPECT_EQ(read(cache()).rfind("guichet-font-cache 2\n", 0), 0u);
  write(cache(), "");
  EXPECT_EQ(resolve_fonts(kNoto, cache())[1].family, "Noto Sans Gurmukhi");
}

TEST_F(FontCache, ACacheThatCannotBeWrittenIsNotAnError) {
  const std::string nowhere = (dir_ / "no" / "such" / "folder" / "fonts.cache").string();
  const auto got = resolve_fonts(kNoto, nowhere);
  EXPECT_EQ(got[0].file, resolve_fonts(kNoto)[0].file);
  EXPECT_FALSE(fs::exists(nowhere));
}

TEST_F(FontCache, MissingFontsAreStillReportedWithTheirScript) {
  try {
    resolve_fonts({{Script::Devanagari, {"No Such Devanagari Font"}}}, cache());
    FAIL() << "a missing font was not reported";
  } catch (const FontError& e) {
    EXPECT_NE(std::string(e.what()).find("no font for Devanagari (looked for No Such Devanagari Font)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(cache()));
}

}  // namespace
}  // namespace guichet::text
