// guichet-escpos-render: renders an ESC/POS job file to PNG, as a receipt printer would print it.
//   guichet-escpos-render job.bin                 → job.png (and job-2.png … for further cuts)
//   guichet-escpos-render job.bin -o out.png --paper-width 384 --strict
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>

#include "guichet/hardware/escpos_render/renderer.hpp"

namespace render = guichet::hardware::escpos_render;

int main(int argc, char** argv) {
  CLI::App app{"Render an ESC/POS job to PNG images of the printed paper"};
  std::string input;
  std::string output;
  render::RenderOptions options;
  std::string font = options.font.string();
  bool strict = false;
  app.add_option("job", input, "ESC/POS job file (.bin)")->required()->check(CLI::ExistingFile);
  app.add_option("-o,--output", output, "PNG to write (default: the job file with .png)");
  app.add_option("--paper-width", options.paper_width, "printable width in dots (576 = 80 mm, 384 = 58 mm)")
      ->check(CLI::Range(8, 4096));
  app.add_option("--font", font, "monospace TrueType font for the printer's fonts A and B")->check(CLI::ExistingFile);
  app.add_flag("--strict", strict, "exit with status 3 when the job holds commands that were not rendered");
  CLI11_PARSE(app, argc, argv);
  options.font = font;

  std::ifstream in(input, std::ios::binary);
  std::vector<std::uint8_t> job((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    std::cerr << "guichet-escpos-render: cannot read " << input << "\n";
    return 1;
  }

  auto rendered = render::render_job(job, options);
  if (!rendered.ok()) {
    std::cerr << "guichet-escpos-render: " << rendered.error().message << "\n";
    return 1;
  }
  const auto& result = rendered.value();
  for (const auto& w : result.warnings) std::cerr << input << ": warning: " << w << "\n";
  if (result.pages.empty()) {
    std::cerr << "guichet-escpos-render: " << input << " prints nothing\n";
    return 1;
  }

  std::filesystem::path base =
      output.empty() ? std::filesystem::path(input).replace_extension(".png") : std::filesystem::path(output);
  for (std::size_t i = 0; i < result.pages.size(); ++i) {
    std::filesystem::path path = base;
    if (i > 0) {
      path = base.parent_path() / (base.stem().string() + "-" + std::to_string(i + 1) + base.extension().string());
    }
    if (auto err = render::write_png(result.pages[i], path)) {
      std::cerr << "guichet-escpos-render: " << err.message << "\n";
      return 1;
    }
    std::cout << path.string() << " " << result.pages[i].width << "x" << result.pages[i].height << "\n";
  }
  std::cout << result.pages.size() << " page(s), " << result.cuts << " cut(s), " << result.warnings.size()
            << " warning(s)\n";
  return strict && !result.warnings.empty() ? 3 : 0;
}
