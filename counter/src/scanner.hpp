// Tells a keyboard-wedge scanner from a person. A scanner "types" the QR payload (the token id,
// e.g. "LDH01-20261123-A042") a few milliseconds per character and ends with Enter; nobody types
// that fast by hand. The detector sees each text event with its SDL timestamp and each Enter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace guichet::counter {

struct ScanOptions {
  std::uint32_t max_gap_ms = 35;         // between two characters of one scan
  std::size_t min_length = 6;            // shorter bursts are keyboard chatter, not a code
  std::uint32_t max_enter_gap_ms = 500;  // Enter must follow the last character this closely
};

class ScanDetector {
 public:
  explicit ScanDetector(ScanOptions options = {}) : options_(options) {}

  // One text event (usually one character) typed at `at_ms` (SDL ticks).
  void on_text(std::string_view chars, std::uint32_t at_ms);
  // Enter pressed at `at_ms`: the scanned payload if the characters since the last pause came
  // as a scan, otherwise nothing. Either way the buffer starts afresh.
  std::optional<std::string> on_enter(std::uint32_t at_ms);
  // True while the characters received so far still look like the start of a scan, so Enter
  // belongs to the scanner rather than to the screen.
  bool scanning(std::uint32_t now_ms) const;
  void clear();

 private:
  ScanOptions options_;
  std::string buffer_;
  std::uint32_t last_ms_ = 0;
};

// A token id as printed in the QR code: "{centre}-{yyyymmdd}-{prefix}{number}", centre of capital
// letters and digits, prefix of one or two capital letters, number of one or more digits.
bool looks_like_token_id(std::string_view text);

// The scanned text cleaned up: surrounding blanks removed, letters in capitals (a scanner set to
// the wrong keyboard layout or with Caps Lock sends lower case).
std::string normalize_scan(std::string_view text);

}  // namespace guichet::counter
