#include "guichet/ui/theme.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <map>
#include <sstream>
#include <vector>

#include "guichet/ui/contrast.hpp"

namespace guichet::ui {

std::string ThemeError::to_string() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  return out + ": " + message;
}

bool parse_color(std::string_view text, Rgba& out) {
  if (text.size() != 7 && text.size() != 9) return false;
  if (text[0] != '#') return false;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::uint8_t v[4] = {0, 0, 0, 255};
  for (std::size_t i = 0; i < (text.size() - 1) / 2; ++i) {
    int hi = hex(text[1 + 2 * i]), lo = hex(text[2 + 2 * i]);
    if (hi < 0 || lo < 0) return false;
    v[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  out = Rgba{v[0], v[1], v[2], v[3]};
  return true;
}

namespace {

using Setter = std::function<std::string(const toml::node&)>;  // returns an error message or ""

Setter color_setter(Rgba& field) {
  return [&field](const toml::node& node) -> std::string {
    auto s = node.value<std::string>();
    if (!s || !parse_color(*s, field)) return "expected a colour \"#RRGGBB\" or \"#RRGGBBAA\"";
    return {};
  };
}

Setter size_setter(float& field, float min, float max) {
  return [&field, min, max](const toml::node& node) -> std::string {
    auto v = node.value<double>();
    if (!v) return "expected a number";
    if (*v < min || *v > max) {
      std::ostringstream m;
      m << "must be between " << min << " and " << max << ", got " << *v;
      return m.str();
    }
    field = static_cast<float>(*v);
    return {};
  };
}

Setter font_file_setter(std::string& field) {
  return [&field](const toml::node& node) -> std::string {
    auto s = node.value<std::string>();
    if (!s || s->empty()) return "expected a font file path";
    if (!std::filesystem::exists(*s)) return "font file not found: " + *s;
    field = *s;
    return {};
  };
}

int line_of(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

}  // namespace

namespace {

constexpr int kMaxBaseDepth = 8;

std::string read_file(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::ostringstream text;
  if (ok) text << in.rdbuf();
  return text.str();
}

bool is_png(const std::string& path) {
  static const unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::ifstream in(path, std::ios::binary);
  char head[8] = {};
  if (!in.read(head, 8)) return false;
  return std::equal(std::begin(head), std::end(head), std::begin(kSignature),
                    [](char a, unsigned char b) { return static_cast<unsigned char>(a) == b; });
}

// A path written in a theme file, relative to that file's folder.
std::string beside(const std::string& theme_file, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_absolute()) return p.string();
  return (std::filesystem::path(theme_file).parent_path() / p).lexically_normal().string();
}

std::string ratio_text(double r) {
  std::ostringstream m;
  m << std::fixed << std::setprecision(2) << r << ":1";
  return m.str();
}

ThemeResult parse_at(std::string_view toml_text, const std::string& source_name, std::vector<std::string>& chain);

ThemeResult load_base(const toml::node& node, const std::string& source_name, std::vector<std::string>& chain) {
  auto name = node.value<std::string>();
  if (!name || name->empty()) return ThemeError{source_name, line_of(node), "base: expected a theme name or file"};
  std::string path = (name->find('/') != std::string::npos || name->ends_with(".toml")) ? beside(source_name, *name)
                                                                                        : find_theme_file(*name);
  std::error_code ec;
  auto canonical = std::filesystem::weakly_canonical(path, ec).string();
  if (std::find(chain.begin(), chain.end(), canonical) != chain.end()) {
    return ThemeError{source_name, line_of(node), "base: '" + *name + "' leads back to this theme (a loop)"};
  }
  if (static_cast<int>(chain.size()) >= kMaxBaseDepth) {
    return ThemeError{source_name, line_of(node), "base: more than " + std::to_string(kMaxBaseDepth) + " themes deep"};
  }
  bool ok = false;
  std::string text = read_file(path, ok);
  if (!ok) return ThemeError{source_name, line_of(node), "base: cannot open theme file " + path};
  chain.push_back(canonical);
  auto base = parse_at(text, path, chain);
  chain.pop_back();
  if (!base.ok()) {
    return ThemeError{source_name, line_of(node), "base '" + *name + "': " + base.error().to_string()};
  }
  return base;
}

ThemeResult parse_at(std::string_view toml_text, const std::string& source_name, std::vector<std::string>& chain) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    return ThemeError{source_name, static_cast<int>(e.source().begin.line), std::string(e.description())};
  }

  Theme theme;
  int contrast_line = 0;
  if (const toml::node* base = root.get("base")) {
    auto loaded = load_base(*base, source_name, chain);
    if (!loaded.ok()) return loaded.error();
    theme = loaded.value();
    contrast_line = line_of(*base);
  }
  auto& c = theme.colors;
  auto& f = theme.fonts;
  auto& s = theme.sizes;
  auto& b = theme.branding;
  const std::map<std::string, std::map<std::string, Setter>> sections = {
      {"colors",
       {{"background", color_setter(c.background)},
        {"surface", color_setter(c.surface)},
        {"text", color_setter(c.text)},
        {"text_muted", color_setter(c.text_muted)},
        {"text_danger", color_setter(c.text_danger)},
        {"text_success", color_setter(c.text_success)},
        {"primary", color_setter(c.primary)},
        {"primary_text", color_setter(c.primary_text)},
        {"secondary", color_setter(c.secondary)},
        {"secondary_text", color_setter(c.secondary_text)},
        {"tile", color_setter(c.tile)},
        {"tile_text", color_setter(c.tile_text)},
        {"tile_subtext", color_setter(c.tile_subtext)},
        {"tile_pressed", color_setter(c.tile_pressed)},
        {"border", color_setter(c.border)},
        {"danger", color_setter(c.danger)},
        {"danger_text", color_setter(c.danger_text)},
        {"success", color_setter(c.success)},
        {"success_text", color_setter(c.success_text)},
        {"accent", color_setter(c.accent)}}},
      {"fonts",
       {{"regular", font_file_setter(f.regular)},
        {"bold", font_file_setter(f.bold)},
        {"small", size_setter(f.small, 8, 200)},
        {"body", size_setter(f.body, 8, 200)},
        {"large", size_setter(f.large, 8, 300)},
        {"heading", size_setter(f.heading, 8, 300)},
        {"display", size_setter(f.display, 16, 600)}}},
      {"sizes",
       {{"padding", size_setter(s.padding, 0, 400)},
        {"spacing", size_setter(s.spacing, 0, 200)},
        {"tile_height", size_setter(s.tile_height, 40, 800)},
        {"button_height", size_setter(s.button_height, 30, 400)},
        {"rounding", size_setter(s.rounding, 0, 100)},
        {"border", size_setter(s.border, 0, 20)},
        {"pad_key", size_setter(s.pad_key, 40, 400)},
        {"corner_control", size_setter(s.corner_control, 20, 200)}}},
      {"branding",
       {{"centre_name",
         [&b](const toml::node& node) -> std::string {
           auto v = node.value<std::string>();
           if (!v || v->empty()) return "expected the centre's name";
           b.centre_name = *v;
           return {};
         }},
        {"logo",
         [&b, &source_name](const toml::node& node) -> std::string {
           auto v = node.value<std::string>();
           if (!v || v->empty()) return "expected a PNG file";
           std::string path = beside(source_name, *v);
           if (!std::filesystem::exists(path)) return "logo not found: " + path;
           if (!is_png(path)) return "logo is not a PNG file: " + path;
           b.logo = path;
           return {};
         }}}},
  };

  std::map<std::string, int> set_at;  // "colors.text" -> line, for contrast errors
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    if (k == "base") continue;
    if (k == "name") {
      auto v = node.value<std::string>();
      if (!v || v->empty()) return ThemeError{source_name, line_of(node), "name: expected a non-empty string"};
      theme.name = *v;
      continue;
    }
    if (k == "contrast") {
      auto v = node.value<std::string>();
      if (v && *v == "AA") {
        theme.contrast = ContrastLevel::AA;
      } else if (v && *v == "AAA") {
        theme.contrast = ContrastLevel::AAA;
      } else {
        return ThemeError{source_name, line_of(node), "contrast: expected \"AA\" or \"AAA\""};
      }
      contrast_line = line_of(node);
      continue;
    }
    auto sec = sections.find(k);
    if (sec == sections.end()) {
      return ThemeError{
          source_name, line_of(node),
          "unknown key '" + k + "' (expected name, base, contrast, [colors], [fonts], [sizes] or [branding])"};
    }
    const toml::table* table = node.as_table();
    if (!table) return ThemeError{source_name, line_of(node), k + ": expected a table"};
    for (const auto& [sub_key, sub_node] : *table) {
      const std::string sk(sub_key.str());
      auto setter = sec->second.find(sk);
      if (setter == sec->second.end()) {
        return ThemeError{source_name, line_of(sub_node), "unknown key '" + k + "." + sk + "'"};
      }
      std::string problem = setter->second(sub_node);
      if (!problem.empty()) return ThemeError{source_name, line_of(sub_node), k + "." + sk + ": " + problem};
      set_at[k + "." + sk] = line_of(sub_node);
    }
  }

  for (const auto& pair : contrast_pairs(theme)) {
    if (pair.ok()) continue;
    // Point at the colour this file set (the foreground first); a pair inherited whole from the
    // base or the defaults is this file's contrast (or base) line.
    int line = contrast_line;
    if (auto it = set_at.find(pair.foreground); it != set_at.end()) {
      line = it->second;
    } else if (auto it2 = set_at.find(pair.background); it2 != set_at.end()) {
      line = it2->second;
    }
    const bool text = pair.required > kNonTextRatio;
    return ThemeError{source_name, line,
                      pair.foreground + " on " + pair.background + ": contrast " + ratio_text(pair.ratio) +
                          ", below the " + ratio_text(pair.required) +
                          (text ? std::string(" this theme's level ") +
                                      (theme.contrast == ContrastLevel::AAA ? "AAA" : "AA") + " asks of text"
                                : std::string(" an outline needs against what surrounds it"))};
  }
  return theme;
}

}  // namespace

ThemeResult parse_theme(std::string_view toml_text, const std::string& source_name) {
  std::vector<std::string> chain;
  std::error_code ec;
  chain.push_back(std::filesystem::weakly_canonical(source_name, ec).string());
  return parse_at(toml_text, source_name, chain);
}

ThemeResult load_theme(const std::string& path) {
  bool ok = false;
  std::string text = read_file(path, ok);
  if (!ok) return ThemeError{path, 0, "cannot open theme file"};
  return parse_theme(text, path);
}

std::string find_theme_file(const std::string& name_or_path) {
  if (name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".toml")) return name_or_path;
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("GUICHET_THEME_DIR")) dirs.emplace_back(env);
  dirs.emplace_back(GUICHET_THEME_INSTALL_DIR);
  dirs.emplace_back(GUICHET_THEME_SOURCE_DIR);
  for (const auto& dir : dirs) {
    std::filesystem::path p = std::filesystem::path(dir) / (name_or_path + ".toml");
    if (std::filesystem::exists(p)) return p.string();
  }
  // Not found anywhere: return the source-tree path so the error names a real location.
  return (std::filesystem::path(GUICHET_THEME_SOURCE_DIR) / (name_or_path + ".toml")).string();
}

}  // namespace guichet::ui
