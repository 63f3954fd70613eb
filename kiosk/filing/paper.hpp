// Paper for citizens in their language, shared by the kiosk and the counter: the acknowledgement
// slip of an application and the counter's fee receipt, laid out by hardware/receipts with the
// words of locales/ and the formats of the language. Text a receipt printer's code page lacks
// (Gurmukhi, Devanagari, Urdu, the rupee sign) is drawn by the text engine and sent as raster
// images; when that cannot be done the paper falls back, in this order: the language with plain
// Latin formats ("Rs 50.00", ordinary spaces), then English with plain formats.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "application.hpp"
#include "guichet/domain/catalogue.hpp"
#include "guichet/hardware/error.hpp"
#include "guichet/hardware/receipts/token_slip.hpp"
#include "guichet/text/fonts.hpp"
#include "guichet/text/layout.hpp"
#include "guichet/text/translations.hpp"

namespace guichet::kiosk {

// Fonts and text engines for the slip text a printer's code page lacks (Gurmukhi, Devanagari,
// Urdu, the rupee sign): hardware/receipts draws it and sends it as raster images. Made on first
// use, since fontconfig takes tens of milliseconds and most slips of a Latin-language centre never
// need it; then kept. Thread-safe: slips are made on the kiosk's and the counter's worker threads.
class PaperText {
 public:
  // The encode options with the engines; without them (no engines) when the fonts could not be
  // opened, which `problem()` then says (slips fall back as build_slip describes).
  hardware::receipts::EncodeOptions options();
  std::string problem();

 private:
  std::mutex mu_;
  bool tried_ = false;
  std::string problem_;
  std::unique_ptr<text::FontSet> regular_, bold_;
  std::unique_ptr<text::TextEngine> text_, bold_text_;
};

// Text for a receipt printer's code page: "₹" written "Rs", no-break spaces as spaces.
std::string plain_for_paper(std::string_view text);

// One try at a paper: its language, and whether its formats are plain Latin (see above).
struct PaperTry {
  std::string language;
  bool plain = false;
};
// The tries of a paper in `language`, best first.
std::vector<PaperTry> paper_tries(const std::string& language);

// The bytes of the first try `make` (PaperTry → Result<bytes>) can encode; only text the code page
// lacks is worth another try, anything else fails the same way. `problem` says why when none could.
template <class Make>
std::optional<std::vector<std::uint8_t>> first_printable(const std::string& language, Make make, std::string& problem) {
  std::optional<hardware::Error> last;
  for (const auto& attempt : paper_tries(language)) {
    auto bytes = make(attempt);
    if (bytes.ok()) return std::move(bytes).value();
    last = bytes.error();
    if (bytes.error().kind != hardware::ErrorKind::unsupported_text) break;
  }
  problem = last ? last->message : "the slip could not be made";
  return std::nullopt;
}

// The acknowledgement slip's bytes in the citizen's language, drawn with `paper` where the code
// page lacks characters; otherwise falling back as above.
std::optional<std::vector<std::uint8_t>> build_application_slip(
    const domain::Catalogue& catalogue, const text::Translations& translations, const std::string& language,
    const FilingRequest& request, const std::string& token_display, std::string& problem, PaperText* paper = nullptr);

// The fee receipt a counter prints when it takes an application and its fee, in the citizen's
// language (`request.language`): `paid_at` is when the fee was collected (the centre's local
// time), `counter_id` the counter that took it (named in the citizen's language).
std::optional<std::vector<std::uint8_t>> build_fee_receipt(const domain::Catalogue& catalogue,
                                                           const text::Translations& translations,
                                                           const FilingRequest& request, domain::Instant paid_at,
                                                           const std::string& counter_id, std::string& problem,
                                                           PaperText* paper = nullptr);

}  // namespace guichet::kiosk
