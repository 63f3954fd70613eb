#include "guichet/hardware/escpos_render/renderer.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>

#include "glyphs.hpp"
#include "guichet/hardware/escpos/encoder.hpp"
#include "guichet/hardware/escpos/qr.hpp"
#include "guichet/hardware/escpos/scanner.hpp"

namespace guichet::hardware::escpos_render {

namespace {

using escpos::CodePage;
using escpos::CommandKind;
using escpos::ScanStatus;

constexpr int kDefaultLineSpacing = 30;  // 1/6 inch at the printers' 180 dpi motion unit
constexpr std::size_t kMaxWarnings = 200;

enum class Justify { left, centre, right };

struct Style {
  PrinterFont font = PrinterFont::a;
  bool bold = false;
  int underline = 0;  // dots
  int width_mul = 1;
  int height_mul = 1;
};

struct LineItem {
  char32_t c = U' ';
  Style style;
  int advance = 0;  // dots
  bool tab = false;
  std::size_t offset = 0;  // in the job, for warnings
};

struct QrState {
  int model = 50;
  int module_size = 3;
  escpos::QrErrorLevel level = escpos::QrErrorLevel::l;
  std::vector<std::uint8_t> data;
};

std::string hex(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v);
  return buf;
}

std::string code_point(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

// One run of the interpreter over one job.
class Interpreter {
 public:
  Interpreter(const RenderOptions& options, GlyphCache& glyphs) : options_(options), glyphs_(glyphs) {
    page_.width = options.paper_width;
  }

  RenderResult run(std::span<const std::uint8_t> job) {
    job_ = job;
    std::size_t offset = 0;
    for (;;) {
      const auto r = escpos::scan(job, offset);
      if (r.status == ScanStatus::end) break;
      if (r.status == ScanStatus::incomplete) {
        warn(offset, "job ends inside " + escpos::command_name(job, offset) + " (" +
                         std::to_string(job.size() - offset) + " bytes left" +
                         (r.command.length ? " of " + std::to_string(r.command.length) : std::string()) +
                         "); not rendered");
        break;
      }
      execute(r.command);
      offset += r.command.length;
    }
    flush_line();
    if (page_.height > 0) {
      warn(job.size(), "job ends without a cut; the last page is rendered as it stands");
      end_page();
    }
    return std::move(result_);
  }

 private:
  void warn(std::size_t offset, const std::string& message) {
    if (result_.warnings.size() < kMaxWarnings) {
      result_.warnings.push_back("offset " + std::to_string(offset) + ": " + message);
    } else if (result_.warnings.size() == kMaxWarnings) {
      result_.warnings.push_back("more warnings not shown");
    }
  }

  void execute(const escpos::Command& c) {
    const auto b = job_.subspan(c.offset, c.length);
    switch (c.kind) {
      case CommandKind::text:
        add_text(b, c.offset);
        break;
      case CommandKind::control:
        control(b[0], c.offset);
        break;
      case CommandKind::realtime:
        if (b[1] == escpos::kEot) {
          ++result_.status_requests;
        } else if (b[1] == 0x14 && b[2] == 1) {
          ++result_.drawer_pulses;
        } else {
          warn(c.offset, "real-time command " + escpos::command_name(job_, c.offset) + " is not rendered (ignored)");
        }
        break;
      case CommandKind::esc:
        if (b[0] == escpos::kEsc) {
          esc(b, c.offset);
        } else {
          warn(c.offset, "unsupported command " + escpos::command_name(job_, c.offset) + " (ignored)");
        }
        break;
      case CommandKind::gs:
        gs(b, c.offset);
        break;
      case CommandKind::unknown:
        warn(c.offset, "unknown command " + escpos::command_name(job_, c.offset) + ", skipped " +
                           std::to_string(c.length) + " bytes");
        break;
    }
  }

  // --- paper -------------------------------------------------------------------------------

  // Makes the page at least h dots tall, up to the page limit.
  void grow_to(int h) {
    if (h > options_.max_page_height) {
      if (!page_limit_warned_) {
        warn(0, "page taller than " + std::to_string(options_.max_page_height) + " dots; the rest is not drawn");
        page_limit_warned_ = true;
      }
      h = options_.max_page_height;
    }
    if (h <= page_.height) return;
    page_.pixels.resize(static_cast<std::size_t>(page_.width) * static_cast<std::size_t>(h), 255);
    page_.height = h;
  }

  void advance(int dots) {
    y_ += std::max(dots, 0);
    grow_to(y_);
  }

  void ink(int x, int y) {
    if (x < 0 || x >= page_.width || y < 0 || y >= page_.height) return;
    page_.at(x, y) = 0;
  }

  int justified_x(int width, Justify justify) const {
    if (width >= page_.width) return 0;
    switch (justify) {
      case Justify::centre:
        return (page_.width - width) / 2;
      case Justify::right:
        return page_.width - width;
      case Justify::left:
        break;
    }
    return 0;
  }

  void end_page() {
    flush_line();
    if (page_.height > 0) result_.pages.push_back(std::move(page_));
    page_ = GreyImage{};
    page_.width = options_.paper_width;
    y_ = 0;
    page_limit_warned_ = false;
  }

  // --- text --------------------------------------------------------------------------------

  int item_advance(const Style& s) const { return (cell_of(s.font).width + char_spacing_) * s.width_mul; }

  void add_item(LineItem item) {
    // The printer wraps a line that reaches the paper's edge.
    if (!line_.empty() && line_width_ + item.advance > page_.width) flush_line();
    if (line_.empty()) line_justify_ = justify_;
    line_width_ += item.advance;
    line_.push_back(item);
  }

  void add_text(std::span<const std::uint8_t> bytes, std::size_t offset) {
    const std::u32string text = escpos::decode_text(bytes, code_page_);
    for (std::size_t i = 0; i < text.size(); ++i) {
      char32_t c = text[i];
      if (c == U'\uFFFD') {
        warn(offset + i, "byte " + hex(bytes[i]) + " has no character in code page " +
                             (code_page_ == CodePage::wpc1252 ? "WPC1252" : "PC437"));
      }
      add_item({c, style_, item_advance(style_), false, offset + i});
    }
  }

  void tab(std::size_t offset) {
    // Default tab stops every 8 characters of the current font.
    const int stop = 8 * item_advance(style_);
    const int next = (line_width_ / stop + 1) * stop;
    if (next > page_.width) {
      flush_line();
      return;
    }
    add_item({U' ', style_, next - line_width_, true, offset});
  }

  // Prints the line buffer. `feed` overrides the line feed amount (ESC J).
  void flush_line(std::optional<int> feed = std::nullopt) {
    if (line_.empty()) return;
    int height = 0;
    for (const auto& item : line_) height = std::max(height, cell_of(item.style.font).height * item.style.height_mul);
    int x = justified_x(line_width_, line_justify_);
    grow_to(y_ + height);
    for (const auto& item : line_) {
      draw_item(item, x, y_ + height - cell_of(item.style.font).height * item.style.height_mul);
      x += item.advance;
    }
    line_.clear();
    line_width_ = 0;
    advance(feed ? *feed : std::max(height, line_spacing_));
  }

  void draw_item(const LineItem& item, int x, int top) {
    const Style& s = item.style;
    const FontCell& cell = cell_of(s.font);
    if (!item.tab && item.c != U' ') {
      const GlyphCell& g = glyphs_.glyph(s.font, item.c);
      if (g.missing && missing_warned_.insert(item.c).second) {
        warn(item.offset, "font has no glyph for " + code_point(item.c) + "; printed as a box");
      }
      for (int gy = 0; gy < g.height; ++gy) {
        for (int gx = 0; gx < g.width; ++gx) {
          // Emphasis prints each dot twice, the second time one dot to the right.
          const bool on = g.at(gx, gy) || (s.bold && gx > 0 && g.at(gx - 1, gy));
          if (!on) continue;
          for (int dy = 0; dy < s.height_mul; ++dy) {
            for (int dx = 0; dx < s.width_mul; ++dx) ink(x + gx * s.width_mul + dx, top + gy * s.height_mul + dy);
          }
        }
      }
    }
    if (s.underline > 0 && !item.tab) {
      const int bottom = top + cell.height * s.height_mul;
      for (int t = 1; t <= s.underline; ++t) {
        for (int dx = 0; dx < item.advance; ++dx) ink(x + dx, bottom - t);
      }
    }
  }

  // --- commands ----------------------------------------------------------------------------

  void control(std::uint8_t c, std::size_t offset) {
    switch (c) {
      case escpos::kLf:
      case 0x0C:  // FF: in standard mode, prints and moves to the next line like LF
        if (line_.empty()) {
          advance(line_spacing_);
        } else {
          flush_line();
        }
        break;
      case 0x0D:  // CR: printers with automatic line feed off ignore it
        break;
      case 0x09:
        tab(offset);
        break;
      default:
        warn(offset, "unsupported control byte " + hex(c) + " (ignored)");
        break;
    }
  }

  void reset() {
    line_.clear();
    line_width_ = 0;
    style_ = Style{};
    justify_ = Justify::left;
    code_page_ = CodePage::pc437;
    line_spacing_ = kDefaultLineSpacing;
    char_spacing_ = 0;
    qr_ = QrState{};
  }

  void esc(std::span<const std::uint8_t> b, std::size_t offset) {
    const std::uint8_t c = b[1];
    const int n = b.size() > 2 ? b[2] : 0;
    switch (c) {
      case '@':
        reset();
        return;
      case 'a':
        if (n == 0 || n == 48) {
          justify_ = Justify::left;
        } else if (n == 1 || n == 49) {
          justify_ = Justify::centre;
        } else if (n == 2 || n == 50) {
          justify_ = Justify::right;
        } else {
          warn(offset, "ESC a " + std::to_string(n) + " is not a justification (ignored)");
        }
        return;
      case 'E':
        style_.bold = (n & 1) != 0;
        return;
      case '-':
        if (n == 0 || n == 48 || n == 1 || n == 49 || n == 2 || n == 50) {
          style_.underline = n % 48;
        } else {
          warn(offset, "ESC - " + std::to_string(n) + " is not an underline mode (ignored)");
        }
        return;
      case 'M':
        if (n == 0 || n == 48) {
          style_.font = PrinterFont::a;
        } else if (n == 1 || n == 49) {
          style_.font = PrinterFont::b;
        } else {
          warn(offset, "font " + std::to_string(n) + " (ESC M) is not rendered (ignored)");
        }
        return;
      case '!':
        style_.font = (n & 0x01) ? PrinterFont::b : PrinterFont::a;
        style_.bold = (n & 0x08) != 0;
        style_.height_mul = (n & 0x10) ? 2 : 1;
        style_.width_mul = (n & 0x20) ? 2 : 1;
        style_.underline = (n & 0x80) ? 1 : 0;
        return;
      case 't':
        if (n == 0) {
          code_page_ = CodePage::pc437;
        } else if (n == 16) {
          code_page_ = CodePage::wpc1252;
        } else {
          warn(offset, "code page " + std::to_string(n) + " (ESC t) is not rendered; text stays in the previous page");
        }
        return;
      case 'd':
        flush_line();
        advance(n * line_spacing_);
        return;
      case 'J':
        if (line_.empty()) {
          advance(n);
        } else {
          flush_line(n);
        }
        return;
      case '2':
        line_spacing_ = kDefaultLineSpacing;
        return;
      case '3':
        line_spacing_ = n;
        return;
      case ' ':
        char_spacing_ = n;
        return;
      case 'p':
        ++result_.drawer_pulses;
        return;
      default:
        warn(offset, "unsupported command " + escpos::command_name(job_, offset) + " (ignored)");
        return;
    }
  }

  void gs(std::span<const std::uint8_t> b, std::size_t offset) {
    switch (b[1]) {
      case '!': {
        const int w = (b[2] >> 4) + 1;
        const int h = (b[2] & 0x0F) + 1;
        if (w > 8 || h > 8) {
          warn(offset, "GS ! " + hex(b[2]) + " asks for size " + std::to_string(w) + "x" + std::to_string(h) +
                           "; sizes go to 8 (ignored)");
          return;
        }
        style_.width_mul = w;
        style_.height_mul = h;
        return;
      }
      case '(':
        if (b[2] == 'k') {
          qr_command(b, offset);
        } else {
          warn(offset, "unsupported command " + escpos::command_name(job_, offset) + " (ignored)");
        }
        return;
      case 'v':
        raster(b, offset);
        return;
      case 'V': {
        flush_line();
        if (b.size() > 3) advance(b[3]);
        ++result_.cuts;
        end_page();
        return;
      }
      default:
        warn(offset, "unsupported command " + escpos::command_name(job_, offset) + " (ignored)");
        return;
    }
  }

  void qr_command(std::span<const std::uint8_t> b, std::size_t offset) {
    if (b.size() < 7) {
      warn(offset, "GS ( k with " + std::to_string(b.size() - 5) + " parameter bytes is too short (ignored)");
      return;
    }
    const int cn = b[5];
    const int fn = b[6];
    if (cn != 49) {
      warn(offset, "2-D symbol GS ( k cn=" + std::to_string(cn) + " is not rendered (only QR, cn=49)");
      return;
    }
    const int n = b.size() > 7 ? b[7] : -1;
    switch (fn) {
      case 65:
        qr_.model = n;
        if (n != 50) warn(offset, "QR model " + std::to_string(n) + " is not rendered; model 2 will be drawn");
        return;
      case 67:
        if (n >= 1 && n <= 16) {
          qr_.module_size = n;
        } else {
          warn(offset, "QR module size " + std::to_string(n) + " is out of range 1-16 (ignored)");
        }
        return;
      case 69:
        if (n >= 48 && n <= 51) {
          qr_.level = static_cast<escpos::QrErrorLevel>(n);
        } else {
          warn(offset, "QR error level " + std::to_string(n) + " is not 48-51 (ignored)");
        }
        return;
      case 80:
        qr_.data.assign(b.begin() + std::min<std::ptrdiff_t>(8, static_cast<std::ptrdiff_t>(b.size())), b.end());
        return;
      case 81:
        qr_print(offset);
        return;
      default:
        warn(offset, "QR function " + std::to_string(fn) + " (GS ( k) is not rendered (ignored)");
        return;
    }
  }

  void qr_print(std::size_t offset) {
    if (qr_.data.empty()) {
      warn(offset, "QR print (GS ( k fn 81) without stored data; nothing printed");
      return;
    }
    auto matrix = escpos::qr_matrix(qr_.data, qr_.level);
    if (!matrix.ok()) {
      warn(offset, "QR not printed: " + matrix.error().message);
      return;
    }
    flush_line();
    const auto& m = matrix.value();
    const int size = m.size * qr_.module_size;
    const int x0 = justified_x(size, justify_);
    grow_to(y_ + size);
    for (int my = 0; my < m.size; ++my) {
      for (int mx = 0; mx < m.size; ++mx) {
        if (!m.dark(mx, my)) continue;
        for (int dy = 0; dy < qr_.module_size; ++dy) {
          for (int dx = 0; dx < qr_.module_size; ++dx) {
            ink(x0 + mx * qr_.module_size + dx, y_ + my * qr_.module_size + dy);
          }
        }
      }
    }
    advance(size);
  }

  void raster(std::span<const std::uint8_t> b, std::size_t offset) {
    if (b[2] != '0') {
      warn(offset, "unsupported command " + escpos::command_name(job_, offset) + " (ignored)");
      return;
    }
    const int mode = b[3] % 48;
    if (mode > 3) {
      warn(offset, "GS v 0 mode " + std::to_string(b[3]) + " is not 0-3 (ignored)");
      return;
    }
    const int sx = (mode == 1 || mode == 3) ? 2 : 1;
    const int sy = (mode == 2 || mode == 3) ? 2 : 1;
    const int width_bytes = b[4] + 256 * b[5];
    const int rows = b[6] + 256 * b[7];
    const int width = width_bytes * 8 * sx;
    if (width > page_.width) {
      warn(offset, "raster image " + std::to_string(width) + " dots wide is clipped to the paper's " +
                       std::to_string(page_.width));
    }
    flush_line();
    const int x0 = justified_x(width, justify_);
    grow_to(y_ + rows * sy);
    const auto data = b.subspan(8);
    for (int r = 0; r < rows; ++r) {
      for (int col = 0; col < width_bytes * 8; ++col) {
        const std::uint8_t byte = data[static_cast<std::size_t>(r * width_bytes + col / 8)];
        if ((byte & (0x80u >> (col % 8))) == 0) continue;
        for (int dy = 0; dy < sy; ++dy) {
          for (int dx = 0; dx < sx; ++dx) ink(x0 + col * sx + dx, y_ + r * sy + dy);
        }
      }
    }
    advance(rows * sy);
  }

  const RenderOptions& options_;
  GlyphCache& glyphs_;
  std::span<const std::uint8_t> job_;
  RenderResult result_;
  GreyImage page_;
  int y_ = 0;
  bool page_limit_warned_ = false;

  Style style_;
  Justify justify_ = Justify::left;
  Justify line_justify_ = Justify::left;
  CodePage code_page_ = CodePage::pc437;
  int line_spacing_ = kDefaultLineSpacing;
  int char_spacing_ = 0;
  QrState qr_;
  std::vector<LineItem> line_;
  int line_width_ = 0;
  std::set<char32_t> missing_warned_;
};

}  // namespace

struct Renderer::Impl {
  RenderOptions options;
  std::unique_ptr<GlyphCache> glyphs;
};

Renderer::Renderer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Renderer::Renderer(Renderer&&) noexcept = default;
Renderer& Renderer::operator=(Renderer&&) noexcept = default;
Renderer::~Renderer() = default;

Result<Renderer> Renderer::create(const RenderOptions& options) {
  if (options.paper_width < 8 || options.paper_width > 4096) {
    return Error{ErrorKind::invalid_argument,
                 "paper width " + std::to_string(options.paper_width) + " dots is out of range 8-4096"};
  }
  if (options.max_page_height < 1) return Error{ErrorKind::invalid_argument, "maximum page height must be positive"};
  auto glyphs = GlyphCache::load(options.font);
  if (!glyphs.ok()) return glyphs.error();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->glyphs = std::move(glyphs.value());
  return Renderer(std::move(impl));
}

RenderResult Renderer::render(std::span<const std::uint8_t> job) {
  Interpreter interpreter(impl_->options, *impl_->glyphs);
  return interpreter.run(job);
}

const RenderOptions& Renderer::options() const { return impl_->options; }

Result<RenderResult> render_job(std::span<const std::uint8_t> job, const RenderOptions& options) {
  auto renderer = Renderer::create(options);
  if (!renderer.ok()) return renderer.error();
  return renderer.value().render(job);
}

}  // namespace guichet::hardware::escpos_render
