// The scanning helper's answer on the wire: written by guichet-scan, read by ScannerProcess.
#include "guichet/hardware/scanner/scan_wire.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

namespace guichet::hardware::scanner {

namespace {

constexpr std::size_t kMaxHeaderLine = 200;
constexpr std::size_t kMaxProblemText = 64u * 1024u;

constexpr std::array<ScanStep, 5> kSteps{ScanStep::Init, ScanStep::Open, ScanStep::Configure, ScanStep::Start,
                                         ScanStep::Read};
constexpr std::array<ScanProblemKind, 8> kKinds{
    ScanProblemKind::Unreachable, ScanProblemKind::NoDevice, ScanProblemKind::Jammed,    ScanProblemKind::NoPaper,
    ScanProblemKind::CoverOpen,   ScanProblemKind::Busy,     ScanProblemKind::Cancelled, ScanProblemKind::Failed};

// The words of a header line, split on single spaces.
std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t space = line.find(' ', start);
    out.push_back(line.substr(start, space == std::string_view::npos ? std::string_view::npos : space - start));
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  return out;
}

// A decimal size: digits only, no leading zero (but "0"), at most `max`.
std::optional<std::size_t> size_of(std::string_view word, std::size_t max) {
  if (word.empty() || word.size() > 12 || (word.size() > 1 && word[0] == '0')) return std::nullopt;
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc() || end != word.data() + word.size() || value > max) return std::nullopt;
  return value;
}

}  // namespace

const char* step_word(ScanStep step) {
  switch (step) {
    case ScanStep::Init:
      return "init";
    case ScanStep::Open:
      return "open";
    case ScanStep::Configure:
      return "configure";
    case ScanStep::Start:
      return "start";
    case ScanStep::Read:
      return "read";
  }
  return "scan";
}

std::optional<ScanStep> step_from_word(std::string_view word) {
  for (const ScanStep s : kSteps) {
    if (word == step_word(s)) return s;
  }
  return std::nullopt;
}

std::optional<ScanProblemKind> problem_kind_from_word(std::string_view word) {
  for (const ScanProblemKind k : kKinds) {
    if (word == to_string(k)) return k;
  }
  return std::nullopt;
}

std::string alive_line(ScanStep step) { return std::string("alive ") + step_word(step) + "\n"; }

std::string page_answer(const ScannedPage& page) {
  std::string out = "page " + std::to_string(page.width) + " " + std::to_string(page.height) + " " +
                    std::to_string(page.dpi) + " " + (page.color ? "1" : "0") + " " + std::to_string(page.png.size()) +
                    "\n";
  out.append(page.png.begin(), page.png.end());
  return out;
}

std::string problem_answer(const ScanProblem& problem) {
  std::string out = std::string("problem ") + to_string(problem.kind) + " " + std::to_string(problem.message.size()) +
                    " " + std::to_string(problem.detail.size()) + "\n";
  out += problem.message;
  out += problem.detail;
  return out;
}

ScanWireReader::State ScanWireReader::refuse(std::string why) {
  state_ = State::Refused;
  error_ = std::move(why);
  return state_;
}

ScanWireReader::State ScanWireReader::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    if (state_ == State::Refused) return state_;
    if (state_ == State::Done) {
      return refuse("byte " + std::to_string(offset_) + ": " + std::to_string(bytes.size()) +
                    " bytes after the end of the answer");
    }
    if (in_payload_) {
      const std::size_t take = std::min(bytes.size(), payload_size_ - payload_.size());
      payload_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      offset_ += take;
      if (payload_.size() == payload_size_) finish_payload();
      continue;
    }
    const std::size_t newline = bytes.find('\n');
    const std::size_t take = newline == std::string_view::npos ? bytes.size() : newline;
    if (line_.size() + take > kMaxHeaderLine) {
      return refuse("byte " + std::to_string(offset_) + ": a line longer than " + std::to_string(kMaxHeaderLine) +
                    " bytes");
    }
    line_.append(bytes.substr(0, take));
    if (newline == std::string_view::npos) return state_;
    bytes.remove_prefix(newline + 1);
    std::string line = std::move(line_);
    line_.clear();
    if (take_line(line) == State::Refused) return state_;
    offset_ += line.size() + 1;
    if (in_payload_ && payload_size_ == 0) finish_payload();
  }
  return state_;
}

ScanWireReader::State ScanWireReader::take_line(std::string_view line) {
  const std::string at = "byte " + std::to_string(offset_) + ": ";
  const auto words = words_of(line);
  if (words[0] == "alive") {
    if (words.size() != 2) return refuse(at + "'alive' takes one step");
    const auto step = step_from_word(words[1]);
    if (!step) return refuse(at + "unknown step '" + std::string(words[1]) + "'");
    ++alive_;
    last_step_ = step;
    return state_;
  }
  if (words[0] == "page") {
    if (words.size() != 6) return refuse(at + "'page' takes width, height, dpi, colour and size");
    const auto width = size_of(words[1], 1u << 20);
    const auto height = size_of(words[2], 1u << 20);
    const auto dpi = size_of(words[3], 10000);
    const auto size = size_of(words[5], kMaxWirePng);
    if (!width || !height || !dpi || *width == 0 || *height == 0 || *dpi == 0) {
      return refuse(at + "the page's width, height and dpi must be positive numbers");
    }
    if (words[4] != "0" && words[4] != "1") return refuse(at + "the page's colour must be 0 or 1");
    if (!size || *size == 0) {
      return refuse(at + "the page's size must be between 1 and " + std::to_string(kMaxWirePng) + " bytes");
    }
    page_ = true;
    page_head_.width = static_cast<int>(*width);
    page_head_.height = static_cast<int>(*height);
    page_head_.dpi = static_cast<int>(*dpi);
    page_head_.color = words[4] == "1";
    payload_size_ = *size;
    in_payload_ = true;
    return state_;
  }
  if (words[0] == "problem") {
    if (words.size() != 4) return refuse(at + "'problem' takes a kind and two sizes");
    const auto kind = problem_kind_from_word(words[1]);
    if (!kind) return refuse(at + "unknown problem '" + std::string(words[1]) + "'");
    const auto message = size_of(words[2], kMaxProblemText);
    const auto detail = size_of(words[3], kMaxProblemText);
    if (!message || !detail)
      return refuse(at + "the problem's sizes must be numbers up to " + std::to_string(kMaxProblemText));
    page_ = false;
    kind_ = *kind;
    message_size_ = *message;
    payload_size_ = *message + *detail;
    in_payload_ = true;
    return state_;
  }
  return refuse(at + "unknown line '" + std::string(line.substr(0, 40)) + "'");
}

ScanWireReader::State ScanWireReader::finish_payload() {
  in_payload_ = false;
  if (page_) {
    ScannedPage page = page_head_;
    page.png.assign(payload_.begin(), payload_.end());
    static constexpr std::array<std::uint8_t, 8> kPng{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (page.png.size() < kPng.size() || !std::equal(kPng.begin(), kPng.end(), page.png.begin())) {
      return refuse("byte " + std::to_string(offset_ - payload_.size()) + ": the page is not a PNG");
    }
    result_.emplace(std::move(page));
  } else {
    ScanProblem problem;
    problem.kind = kind_;
    problem.message = payload_.substr(0, message_size_);
    problem.detail = payload_.substr(message_size_);
    result_.emplace(std::move(problem));
  }
  payload_.clear();
  payload_.shrink_to_fit();
  state_ = State::Done;
  return state_;
}

}  // namespace guichet::hardware::scanner
