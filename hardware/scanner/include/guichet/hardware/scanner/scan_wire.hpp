// What the scanning helper (guichet-scan) says on its standard output, and how the counter reads
// it. The helper runs one scan in a process of its own (docs/scanning.md, "The scanning helper"):
//
//   alive <step>\n                                       zero or more: a sign of life at each step
//                                                        and as page data arrives
//   page <width> <height> <dpi> <color> <bytes>\n<png>   the page (color 0 or 1; bytes of PNG)
//   problem <kind> <message bytes> <detail bytes>\n<message><detail>
//
// One page or one problem ends the answer. Sizes are decimal, without sign or leading zeros. The
// reader takes the bytes in any pieces and refuses anything else with where and what.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/hardware/scanner/document_scanner.hpp"

namespace guichet::hardware::scanner {

// A PNG larger than this is refused (a 600 dpi colour A4 page is far below).
inline constexpr std::size_t kMaxWirePng = 512u * 1024u * 1024u;

// "init", "open", "configure", "start", "read"; and back (nullopt for another word).
const char* step_word(ScanStep step);
std::optional<ScanStep> step_from_word(std::string_view word);
std::optional<ScanProblemKind> problem_kind_from_word(std::string_view word);

std::string alive_line(ScanStep step);
std::string page_answer(const ScannedPage& page);
std::string problem_answer(const ScanProblem& problem);

class ScanWireReader {
 public:
  enum class State { More, Done, Refused };

  // Takes the next bytes. Returns More while the answer is incomplete, Done once it is whole
  // (bytes after it are refused), Refused on anything malformed (error() says what and where).
  State feed(std::string_view bytes);

  const std::string& error() const { return error_; }
  // Signs of life read so far, and the last step named.
  int alive_count() const { return alive_; }
  std::optional<ScanStep> last_step() const { return last_step_; }
  // The answer, once Done.
  const std::optional<ScanResult<ScannedPage>>& result() const { return result_; }

 private:
  State refuse(std::string why);
  State take_line(std::string_view line);
  State finish_payload();

  State state_ = State::More;
  std::string error_;
  std::string line_;        // the header line being read
  std::size_t offset_ = 0;  // bytes of the answer read before the current header line
  std::string payload_;     // the body after a page or problem header
  std::size_t payload_size_ = 0;
  bool in_payload_ = false;
  bool page_ = false;
  ScannedPage page_head_;
  ScanProblemKind kind_ = ScanProblemKind::Failed;
  std::size_t message_size_ = 0;
  int alive_ = 0;
  std::optional<ScanStep> last_step_;
  std::optional<ScanResult<ScannedPage>> result_;
};

}  // namespace guichet::hardware::scanner
