#include "guichet/text/fonts.hpp"

#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb-ot.h>
#include <hb.h>
#include <strings.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace guichet::text {

const char* to_string(Script script) {
  switch (script) {
    case Script::Latin:
      return "Latin";
    case Script::Gurmukhi:
      return "Gurmukhi";
    case Script::Devanagari:
      return "Devanagari";
    case Script::Arabic:
      return "Arabic";
  }
  return "Latin";
}

Script script_of_language(std::string_view language) {
  const std::string_view base = language.substr(0, language.find_first_of("-_"));
  if (base == "pa") return Script::Gurmukhi;
  if (base == "hi" || base == "mr" || base == "ne") return Script::Devanagari;
  if (base == "ur" || base == "ar" || base == "fa") return Script::Arabic;
  return Script::Latin;
}

std::vector<ScriptFonts> default_fonts() {
  return {
      {Script::Latin, {"Noto Sans", "DejaVu Sans"}},
      {Script::Gurmukhi, {"Noto Sans Gurmukhi"}},
      {Script::Devanagari, {"Noto Sans Devanagari"}},
      {Script::Arabic, {"Noto Nastaliq Urdu", "Noto Naskh Arabic"}},
  };
}

namespace {

bool same_family(FcPattern* font, const std::string& family) {
  FcChar8* found = nullptr;
  for (int i = 0; FcPatternGetString(font, FC_FAMILY, i, &found) == FcResultMatch; ++i) {
    if (strcasecmp(reinterpret_cast<const char*>(found), family.c_str()) == 0) return true;
  }
  return false;
}

bool has_style_word(FcPattern* font, const char* const* words) {
  FcChar8* style = nullptr;
  for (int i = 0; FcPatternGetString(font, FC_STYLE, i, &style) == FcResultMatch; ++i) {
    for (const char* const* w = words; *w; ++w) {
      if (strcasestr(reinterpret_cast<const char*>(style), *w)) return true;
    }
  }
  return false;
}

// A face's style names it the family's upright regular: "Regular", or the older "Book", "Normal",
// "Roman". A file's weight cannot be trusted for this: Debian's NotoNastaliqUrdu-Bold.ttf declares
// the regular weight (400) in its OS/2 table, and only its style says "Bold".
bool regular_style(FcPattern* font) {
  static const char* const kRegular[] = {"Regular", "Book", "Normal", "Roman", nullptr};
  static const char* const kNot[] = {"Bold",  "Black", "Heavy",     "Italic", "Oblique",
                                     "Light", "Thin",  "Condensed", nullptr};
  return has_style_word(font, kRegular) && !has_style_word(font, kNot);
}

// A real bold face: its style says so (see regular_style for why the weight alone is not enough),
// or, for a family whose styles say nothing, its weight does.
bool bold_style(FcPattern* font) {
  static const char* const kBold[] = {"Bold", nullptr};
  static const char* const kNot[] = {"Italic", "Oblique", "Condensed", "Extra", "Ultra", "Semi", "Demi", nullptr};
  if (has_style_word(font, kBold)) return !has_style_word(font, kNot);
  int weight = 0;
  return FcPatternGetInteger(font, FC_WEIGHT, 0, &weight) == FcResultMatch && weight >= FC_WEIGHT_DEMIBOLD &&
         !regular_style(font);
}

std::string file_of(FcPattern* font) {
  FcChar8* file = nullptr;
  if (FcPatternGetString(font, FC_FILE, 0, &file) != FcResultMatch) return {};
  return reinterpret_cast<const char*>(file);
}

// Fontconfig's best match for `family` in `style` at `weight`, upright; "" when its best match is
// another family (its answer for an unknown family is some other font, which must not pass for it)
// or `accept` refuses the face.
std::string match_face(const std::string& family, const char* style, int weight, bool (*accept)(FcPattern*)) {
  FcPattern* pattern = FcPatternCreate();
  FcPatternAddString(pattern, FC_FAMILY, reinterpret_cast<const FcChar8*>(family.c_str()));
  FcPatternAddString(pattern, FC_STYLE, reinterpret_cast<const FcChar8*>(style));
  FcPatternAddInteger(pattern, FC_WEIGHT, weight);
  FcPatternAddInteger(pattern, FC_SLANT, FC_SLANT_ROMAN);
  FcConfigSubstitute(nullptr, pattern, FcMatchPattern);
  FcDefaultSubstitute(pattern);
  FcResult result = FcResultNoMatch;
  FcPattern* match = FcFontMatch(nullptr, pattern, &result);
  std::string file;
  if (match) {
    if (same_family(match, family) && (!accept || accept(match))) file = file_of(match);
    FcPatternDestroy(match);
  }
  FcPatternDestroy(pattern);
  return file;
}

// The first of the family's installed faces (in a stable order: by file) that `accept` takes, or "".
std::string listed_face(const std::string& family, bool (*accept)(FcPattern*)) {
  FcPattern* pattern = FcPatternCreate();
  FcPatternAddString(pattern, FC_FAMILY, reinterpret_cast<const FcChar8*>(family.c_str()));
  FcObjectSet* objects = FcObjectSetBuild(FC_FAMILY, FC_STYLE, FC_WEIGHT, FC_SLANT, FC_FILE, nullptr);
  FcFontSet* fonts = FcFontList(nullptr, pattern, objects);
  std::string file;
  if (fonts) {
    for (int i = 0; i < fonts->nfont; ++i) {
      FcPattern* font = fonts->fonts[i];
      int slant = FC_SLANT_ROMAN;
      FcPatternGetInteger(font, FC_SLANT, 0, &slant);
      if (slant != FC_SLANT_ROMAN || !same_family(font, family) || !accept(font)) continue;
      const std::string candidate = file_of(font);
      if (!candidate.empty() && (file.empty() || candidate < file)) file = candidate;
    }
    FcFontSetDestroy(fonts);
  }
  FcObjectSetDestroy(objects);
  FcPatternDestroy(pattern);
  return file;
}

// The file of `family`'s regular upright face, or "" when fontconfig has no such family. Asked by
// style name ("Regular") as well as weight, and the answer's style is checked: a family whose
// faces all claim the regular weight (Noto Nastaliq Urdu on Debian) would otherwise give its Bold
// file. A family with no face named as regular gets fontconfig's nearest upright face.
std::string find_family(const std::string& family) {
  std::string file = match_face(family, "Regular", FC_WEIGHT_REGULAR, regular_style);
  if (file.empty()) file = listed_face(family, regular_style);
  if (file.empty()) file = match_face(family, "Regular", FC_WEIGHT_REGULAR, nullptr);
  return file;
}

// The bold file of `family`, or "" when it has no bold face (the caller keeps the regular file).
std::string find_bold(const std::string& family) {
  std::string file = match_face(family, "Bold", FC_WEIGHT_BOLD, bold_style);
  if (file.empty()) file = listed_face(family, bold_style);
  return file;
}

// What a cached answer is checked against: the file's size and modification time.
std::string file_stamp(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
  return std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

// Installing or removing fonts on Debian ends with fc-cache rewriting the system's fontconfig
// caches: the folder's time changes, and every cached answer is then looked up again.
std::string fontconfig_stamp() {
  struct stat st {};
  if (stat("/var/cache/fontconfig", &st) != 0) return "none";
  return std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

std::string request_key(const ScriptFonts& want) {
  std::string key = to_string(want.script);
  for (const auto& f : want.families) key += "|" + f;
  return key;
}

constexpr const char* kCacheHeader = "guichet-font-cache 2";

// The cached files for `wanted`, in its order, or nothing when the cache is missing, unreadable,
// for other requests, older than the system's fonts, or names a file that changed.
std::optional<std::vector<FaceInfo>> read_font_cache(const std::string& path, const std::vector<ScriptFonts>& wanted) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string line;
  if (!std::getline(in, line) || line != kCacheHeader) return std::nullopt;
  if (!std::getline(in, line) || line != "fontconfig " + fontconfig_stamp()) return std::nullopt;
  std::vector<FaceInfo> out;
  for (const auto& want : wanted) {
    // key \t family \t file \t stamp
    if (!std::getline(in, line)) return std::nullopt;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, '\t');) cells.push_back(cell);
    if (cells.size() != 4 || cells[0] != request_key(want) || cells[2].empty() || cells[3] != file_stamp(cells[2])) {
      return std::nullopt;
    }
    out.push_back({want.script, cells[1], cells[2]});
  }
  if (std::getline(in, line) && !line.empty()) return std::nullopt;
  return out;
}

// Best effort: a kiosk whose cache cannot be written still starts, through fontconfig each time.
void write_font_cache(const std::string& path, const std::vector<ScriptFonts>& wanted,
                      const std::vector<FaceInfo>& found) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return;
    out << kCacheHeader << "\nfontconfig " << fontconfig_stamp() << "\n";
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      out << request_key(wanted[i]) << '\t' << found[i].family << '\t' << found[i].file << '\t'
          << file_stamp(found[i].file) << '\n';
    }
    if (!out.flush()) {
      out.close();
      std::remove(tmp.c_str());
      return;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) std::remove(tmp.c_str());
}

// The file of each request through fontconfig; throws FontError naming every script without one.
std::vector<FaceInfo> resolve_with_fontconfig(const std::vector<ScriptFonts>& wanted) {
  if (!FcInit()) throw FontError("fontconfig could not start");
  std::vector<FaceInfo> found;
  std::string missing;
  for (const auto& want : wanted) {
    std::string file, family;
    for (const auto& f : want.families) {
      file = find_family(f);
      if (!file.empty()) {
        family = f;
        break;
      }
    }
    if (file.empty()) {
      std::string looked;
      for (const auto& f : want.families) looked += (looked.empty() ? "" : ", ") + f;
      missing += std::string(missing.empty() ? "" : "; ") + "no font for " + to_string(want.script) + " (looked for " +
                 looked + ")";
      continue;
    }
    found.push_back({want.script, family, file});
  }
  if (!missing.empty()) throw FontError(missing + "; on Debian install fonts-noto-core");
  return found;
}

}  // namespace

std::vector<FaceInfo> resolve_fonts(const std::vector<ScriptFonts>& wanted, const std::string& cache_file) {
  if (!cache_file.empty()) {
    if (auto cached = read_font_cache(cache_file, wanted)) return *cached;
  }
  std::vector<FaceInfo> found = resolve_with_fontconfig(wanted);
  if (!cache_file.empty()) write_font_cache(cache_file, wanted, found);
  return found;
}

std::vector<FaceInfo> bold_faces(const FontSet& regular) {
  if (!FcInit()) throw FontError("fontconfig could not start");
  std::vector<FaceInfo> out;
  for (std::size_t i = 0; i < regular.size(); ++i) {
    FaceInfo face = regular.info(i);
    const std::string bold = find_bold(face.family);
    if (!bold.empty()) face.file = bold;
    out.push_back(std::move(face));
  }
  return out;
}

struct FontSet::Impl {
  struct Face {
    FaceInfo info;
    hb_face_t* hb_face = nullptr;
    hb_font_t* probe = nullptr;  // unscaled, for glyph coverage
    FT_Face ft = nullptr;
    int ft_size = 0;
    std::map<int, hb_font_t*> fonts;  // per pixel size
  };
  FT_Library ft = nullptr;
  std::vector<Face> faces;

  void open(FaceInfo info) {
    Face f;
    hb_blob_t* blob = hb_blob_create_from_file_or_fail(info.file.c_str());
    if (!blob) throw FontError("cannot read the font file " + info.file + " (" + to_string(info.script) + ")");
    f.hb_face = hb_face_create(blob, 0);
    hb_blob_destroy(blob);
    if (hb_face_get_glyph_count(f.hb_face) == 0) {
      hb_face_destroy(f.hb_face);
      throw FontError("the font file " + info.file + " holds no glyphs (" + to_string(info.script) + ")");
    }
    f.probe = hb_font_create(f.hb_face);
    if (FT_New_Face(ft, info.file.c_str(), 0, &f.ft) != 0) {
      hb_font_destroy(f.probe);
      hb_face_destroy(f.hb_face);
      throw FontError("FreeType cannot open the font file " + info.file);
    }
    f.info = std::move(info);
    faces.push_back(std::move(f));
  }

  ~Impl() {
    for (auto& f : faces) {
      for (auto& [size, font] : f.fonts) hb_font_destroy(font);
      hb_font_destroy(f.probe);
      hb_face_destroy(f.hb_face);
      if (f.ft) FT_Done_Face(f.ft);
    }
    if (ft) FT_Done_FreeType(ft);
  }
};

FontSet::FontSet(const std::vector<ScriptFonts>& wanted) : FontSet(resolve_fonts(wanted)) {}

FontSet::FontSet(const std::vector<FaceInfo>& files) : impl_(std::make_unique<Impl>()) {
  if (FT_Init_FreeType(&impl_->ft) != 0) throw FontError("FreeType could not start");
  for (const auto& f : files) impl_->open(f);
}

FontSet::~FontSet() = default;

std::size_t FontSet::size() const { return impl_->faces.size(); }
const FaceInfo& FontSet::info(std::size_t face) const { return impl_->faces.at(face).info; }

std::size_t FontSet::face_for(Script script) const {
  for (std::size_t i = 0; i < impl_->faces.size(); ++i) {
    if (impl_->faces[i].info.script == script) return i;
  }
  return impl_->faces.size();
}

bool FontSet::has_glyph(std::size_t face, char32_t c) const {
  if (face >= impl_->faces.size()) return false;
  hb_codepoint_t glyph = 0;
  return hb_font_get_nominal_glyph(impl_->faces[face].probe, c, &glyph) && glyph != 0;
}

std::size_t FontSet::face_with(char32_t c, std::size_t preferred) const {
  if (has_glyph(preferred, c)) return preferred;
  for (std::size_t i = 0; i < impl_->faces.size(); ++i) {
    if (i != preferred && has_glyph(i, c)) return i;
  }
  return impl_->faces.size();
}

void* FontSet::hb_font(std::size_t face, int pixel_size) {
  std::lock_guard guard(mu_);
  auto& f = impl_->faces.at(face);
  auto it = f.fonts.find(pixel_size);
  if (it != f.fonts.end()) return it->second;
  hb_font_t* font = hb_font_create(f.hb_face);
  // 26.6 fixed point, no hinting: the same positions on screen, on paper and in hb-shape.
  hb_font_set_scale(font, pixel_size * 64, pixel_size * 64);
  f.fonts.emplace(pixel_size, font);
  return font;
}

void* FontSet::ft_face(std::size_t face, int pixel_size) {
  auto& f = impl_->faces.at(face);
  if (f.ft_size != pixel_size) {
    FT_Set_Pixel_Sizes(f.ft, 0, static_cast<FT_UInt>(pixel_size));
    f.ft_size = pixel_size;
  }
  return f.ft;
}

FontSet::Metrics FontSet::metrics(std::size_t face, int pixel_size) {
  auto* font = static_cast<hb_font_t*>(hb_font(face, pixel_size));
  hb_font_extents_t e{};
  hb_font_get_h_extents(font, &e);
  return {static_cast<float>(e.ascender) / 64.0f, static_cast<float>(-e.descender) / 64.0f,
          static_cast<float>(e.line_gap) / 64.0f};
}

}  // namespace guichet::text
