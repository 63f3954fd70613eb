#include "guichet/ui/theme.hpp"

#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

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

ThemeResult parse_theme(std::string_view toml_text, const std::string& source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    return ThemeError{source_name, static_cast<int>(e.source().begin.line), std::string(e.description())};
  }

  Theme theme;
  auto& c = theme.colors;
  auto& f = theme.fonts;
  auto& s = theme.sizes;
  const std::map<std::string, std::map<std::string, Setter>> sections = {
      {"colors",
       {{"background", color_setter(c.background)},
        {"surface", color_setter(c.surface)},
        {"text", color_setter(c.text)},
        {"text_muted", color_setter(c.text_muted)},
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
  };

  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    if (k == "name") {
      auto v = node.value<std::string>();
      if (!v || v->empty()) return ThemeError{source_name, line_of(node), "name: expected a non-empty string"};
      theme.name = *v;
      continue;
    }
    auto sec = sections.find(k);
    if (sec == sections.end()) {
      return ThemeError{source_name, line_of(node),
                        "unknown key '" + k + "' (expected name, [colors], [fonts] or [sizes])"};
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
    }
  }
  return theme;
}

ThemeResult load_theme(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ThemeError{path, 0, "cannot open theme file"};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_theme(text.str(), path);
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
