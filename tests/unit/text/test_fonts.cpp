// Which face of a family the fonts take: the regular one for text, a real bold one for headings,
// chosen by the face's style and not only by the weight its file declares.
#include <ft2build.h>
#include FT_FREETYPE_H
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "guichet/text/fonts.hpp"

namespace guichet::text {
namespace {

// The style the font file itself gives ("Regular", "Bold"), read with FreeType.
std::string style_of(FontSet& set, std::size_t face) {
  auto* ft = static_cast<FT_Face>(set.ft_face(face, 32));
  return ft && ft->style_name ? ft->style_name : "";
}

std::string base_name(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

// Debian's NotoNastaliqUrdu-Bold.ttf declares the regular weight in its OS/2 table, like the
// Regular file: a lookup by weight alone could draw every Urdu screen in bold.
TEST(Fonts, UrduTextIsDrawnInTheRegularFace) {
  FontSet regular(std::vector<ScriptFonts>{{Script::Arabic, {"Noto Nastaliq Urdu"}}});
  ASSERT_EQ(regular.size(), 1u);
  EXPECT_EQ(regular.info(0).family, "Noto Nastaliq Urdu");
  EXPECT_EQ(base_name(regular.info(0).file), "NotoNastaliqUrdu-Regular.ttf");
  EXPECT_EQ(style_of(regular, 0), "Regular");

  FontSet bold(bold_faces(regular));
  EXPECT_EQ(base_name(bold.info(0).file), "NotoNastaliqUrdu-Bold.ttf");
  EXPECT_EQ(style_of(bold, 0), "Bold");
}

TEST(Fonts, EveryScriptsDefaultIsRegularAndItsBoldIsBold) {
  FontSet regular(default_fonts());
  FontSet bold(bold_faces(regular));
  ASSERT_EQ(regular.size(), bold.size());
  for (std::size_t i = 0; i < regular.size(); ++i) {
    const std::string what = to_string(regular.info(i).script) + std::string(" (") + regular.info(i).file + ")";
    EXPECT_EQ(style_of(regular, i), "Regular") << what;
    EXPECT_EQ(style_of(bold, i), "Bold") << what << " bold: " << bold.info(i).file;
    EXPECT_EQ(bold.info(i).family, regular.info(i).family);
  }
}

// A family whose regular face is named "Book" (DejaVu Sans) still gets that face, not its bold one.
TEST(Fonts, ARegularFaceNamedOtherwiseIsFound) {
  FontSet regular(std::vector<ScriptFonts>{{Script::Latin, {"DejaVu Sans"}}});
  EXPECT_EQ(base_name(regular.info(0).file), "DejaVuSans.ttf");
  EXPECT_EQ(style_of(regular, 0), "Book");
  FontSet bold(bold_faces(regular));
  EXPECT_EQ(base_name(bold.info(0).file), "DejaVuSans-Bold.ttf");
}

}  // namespace
}  // namespace guichet::text
