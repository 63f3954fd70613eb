// Fonts for every script the centre's languages need, found through fontconfig among the
// system's fonts (Debian: fonts-noto-core, fonts-dejavu-core), opened with FreeType and HarfBuzz.
// One FontSet is shared by the screen, the receipt printer and, later, the certificates.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace guichet::text {

// The writing systems Guichet's languages use.
enum class Script { Latin, Gurmukhi, Devanagari, Arabic };
const char* to_string(Script script);  // "Latin", "Gurmukhi", …
// The script a language is written in: "pa" → Gurmukhi, "hi" → Devanagari, "ur" → Arabic,
// anything else → Latin.
Script script_of_language(std::string_view language);

class FontError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Which font family to use for a script, in order of preference. The first family fontconfig has
// is used; a script with none of its families is an error at start naming the script.
struct ScriptFonts {
  Script script = Script::Latin;
  std::vector<std::string> families;
};

// The defaults: Noto Sans (then DejaVu Sans) for Latin, Noto Sans Gurmukhi, Noto Sans Devanagari,
// Noto Nastaliq Urdu (then Noto Naskh Arabic) for Urdu.
std::vector<ScriptFonts> default_fonts();

struct FaceInfo {
  Script script = Script::Latin;
  std::string family;  // as fontconfig names it
  std::string file;    // the font file
};

class FontSet;

// The font file for each request, in order, through fontconfig: the family's upright face whose
// style is "Regular" (or "Book", "Normal", "Roman"), else its nearest upright face. Throws FontError naming each
// script whose families are all missing. With a `cache_file`, the answers are kept there and
// reused while the request, the cached files (size and time) and the system's fontconfig caches
// are unchanged: a start that finds them skips fontconfig (its configuration and caches cost the
// kiosk about a megabyte of memory). An unreadable, stale or damaged cache is looked up again and
// rewritten; one that cannot be written is not an error.
std::vector<FaceInfo> resolve_fonts(const std::vector<ScriptFonts>& wanted, const std::string& cache_file = {});

// The bold counterparts of a set's faces, for a second FontSet (receipts print bold headings): for
// each face, its family's bold face (found by its style name, "Bold", as the regular face is found
// by "Regular": some files declare the regular weight for both) when fontconfig has one, else the
// same file, so a script without a bold face still prints, in its regular weight (no emboldening
// is synthesized).
std::vector<FaceInfo> bold_faces(const FontSet& regular);

class FontSet {
 public:
  // Finds and opens a face for every script listed. Throws FontError naming each script whose
  // fonts are missing, and the families that were looked for.
  explicit FontSet(const std::vector<ScriptFonts>& wanted = default_fonts());
  // Opens the given font files directly (tests, and centres that ship their own fonts).
  explicit FontSet(const std::vector<FaceInfo>& files);
  ~FontSet();
  FontSet(const FontSet&) = delete;
  FontSet& operator=(const FontSet&) = delete;

  std::size_t size() const;
  const FaceInfo& info(std::size_t face) const;
  // The face for a script (the first opened for it); faces.size() if none.
  std::size_t face_for(Script script) const;
  // A face that has a glyph for `c`: the script's own face first, then every other face in order.
  // Returns size() when no face has it (the text would show a box).
  std::size_t face_with(char32_t c, std::size_t preferred) const;
  bool has_glyph(std::size_t face, char32_t c) const;

  // HarfBuzz font (hb_font_t*) and FreeType face (FT_Face) of a face at a pixel size, created on
  // first use and kept. Callers that draw with the FreeType face hold lock() meanwhile.
  void* hb_font(std::size_t face, int pixel_size);
  void* ft_face(std::size_t face, int pixel_size);
  std::mutex& lock() { return mu_; }

  // Font metrics at a size, in pixels.
  struct Metrics {
    float ascent = 0, descent = 0, line_gap = 0;  // descent is positive
  };
  Metrics metrics(std::size_t face, int pixel_size);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::mutex mu_;
};

}  // namespace guichet::text
