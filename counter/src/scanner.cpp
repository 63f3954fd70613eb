#include "scanner.hpp"

#include <cctype>

namespace guichet::counter {

void ScanDetector::on_text(std::string_view chars, std::uint32_t at_ms) {
  if (chars.empty()) return;
  // A pause longer than a scanner ever makes starts a new burst: what came before was typed.
  if (!buffer_.empty() && at_ms - last_ms_ > options_.max_gap_ms) buffer_.clear();
  buffer_.append(chars);
  last_ms_ = at_ms;
}

std::optional<std::string> ScanDetector::on_enter(std::uint32_t at_ms) {
  std::optional<std::string> out;
  if (buffer_.size() >= options_.min_length && at_ms - last_ms_ <= options_.max_enter_gap_ms) out = buffer_;
  buffer_.clear();
  return out;
}

bool ScanDetector::scanning(std::uint32_t now_ms) const {
  return buffer_.size() >= 2 && now_ms - last_ms_ <= options_.max_enter_gap_ms;
}

void ScanDetector::clear() { buffer_.clear(); }

namespace {

bool upper_or_digit(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool upper(char c) { return c >= 'A' && c <= 'Z'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool looks_like_token_id(std::string_view text) {
  auto first = text.find('-');
  if (first == std::string_view::npos || first == 0 || first > 16) return false;
  for (char c : text.substr(0, first)) {
    if (!upper_or_digit(c)) return false;
  }
  std::string_view rest = text.substr(first + 1);
  if (rest.size() < 10 || rest[8] != '-') return false;
  for (char c : rest.substr(0, 8)) {
    if (!digit(c)) return false;
  }
  std::string_view number = rest.substr(9);
  std::size_t letters = 0;
  while (letters < number.size() && upper(number[letters])) ++letters;
  if (letters < 1 || letters > 2 || letters == number.size() || number.size() - letters > 6) return false;
  for (char c : number.substr(letters)) {
    if (!digit(c)) return false;
  }
  return true;
}

std::string normalize_scan(std::string_view text) {
  std::size_t b = 0, e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  std::string out(text.substr(b, e - b));
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace guichet::counter
