#include "guichet/testing/shaping.hpp"

#include <cstdio>
#include <fstream>

namespace guichet::testing {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

nlohmann::json hb_shape(const std::string& font_file, const std::string& text, int pixel_size,
                        const std::string& language, const std::string& direction, const std::string& before,
                        const std::string& after) {
  std::string cmd = "hb-shape --font-size=" + std::to_string(pixel_size * 64) +
                    " --no-glyph-names --output-format=json --cluster-level=0 --language=" + language;
  if (!direction.empty()) cmd += " --direction=" + direction;
  if (!before.empty()) cmd += " --text-before=" + shell_quote(before);
  if (!after.empty()) cmd += " --text-after=" + shell_quote(after);
  cmd += " " + shell_quote(font_file) + " " + shell_quote(text) + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return nlohmann::json(cmd + " -> could not be run");
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  pclose(p);
  // hb-shape 6.0 echoes --text-before on a line of its own: the glyphs are the line that starts
  // with '['.
  const std::size_t at = out.rfind("\n[") != std::string::npos ? out.rfind("\n[") + 1 : 0;
  auto parsed = nlohmann::json::parse(out.substr(at), nullptr, false);
  return parsed.is_discarded() ? nlohmann::json(cmd + " -> " + out) : parsed;
}

std::vector<std::string> po_strings(const std::string& language) {
  std::ifstream in(std::string(GUICHET_SOURCE_DIR) + "/locales/" + language + ".po");
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("msgstr \"", 0) != 0 || line.size() < 10) continue;
    std::string s = line.substr(8, line.size() - 9);
    if (s.empty() || s.find('\\') != std::string::npos) continue;
    out.push_back(s);
  }
  return out;
}

}  // namespace guichet::testing
