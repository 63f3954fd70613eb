#include "guichet/hardware/escpos/scanner.hpp"

#include <cstdio>
#include <optional>
#include <string_view>

namespace guichet::hardware::escpos {

namespace {

constexpr bool in(std::uint8_t c, std::string_view set) { return set.find(static_cast<char>(c)) != set.npos; }

ScanResult complete(CommandKind kind, std::size_t offset, std::size_t length, std::size_t available) {
  if (length > available) return {ScanStatus::incomplete, {kind, offset, length}};
  return {ScanStatus::complete, {kind, offset, length}};
}

ScanResult incomplete(CommandKind kind, std::size_t offset) { return {ScanStatus::incomplete, {kind, offset, 0}}; }

// Bytes up to and including the first NUL at or after `from`, or nullopt when none has arrived.
std::optional<std::size_t> until_nul(std::span<const std::uint8_t> b, std::size_t from) {
  for (std::size_t i = from; i < b.size(); ++i) {
    if (b[i] == 0) return i + 1;
  }
  return std::nullopt;
}

ScanResult scan_esc(std::span<const std::uint8_t> b, std::size_t at) {
  const std::size_t avail = b.size() - at;
  if (avail < 2) return incomplete(CommandKind::esc, at);
  const std::uint8_t c = b[at + 1];
  if (in(c, "@2<LS\x0c")) return complete(CommandKind::esc, at, 2, avail);
  if (in(c, " !%-3=?EGJKMRTUVadert{")) return complete(CommandKind::esc, at, 3, avail);
  if (in(c, "$\\Bc")) return complete(CommandKind::esc, at, 4, avail);
  if (c == 'p') return complete(CommandKind::esc, at, 5, avail);
  if (c == 'W') return complete(CommandKind::esc, at, 10, avail);
  if (c == 'D') {
    auto end = until_nul(b.subspan(at), 2);
    return end ? complete(CommandKind::esc, at, *end, avail) : incomplete(CommandKind::esc, at);
  }
  if (c == '*') {
    if (avail < 5) return incomplete(CommandKind::esc, at);
    const std::size_t n = b[at + 3] + 256u * b[at + 4];
    const std::uint8_t m = b[at + 2];
    const std::size_t per_column = (m == 32 || m == 33) ? 3 : 1;
    return complete(CommandKind::esc, at, 5 + n * per_column, avail);
  }
  return complete(CommandKind::unknown, at, 2, avail);
}

ScanResult scan_gs(std::span<const std::uint8_t> b, std::size_t at) {
  const std::size_t avail = b.size() - at;
  if (avail < 2) return incomplete(CommandKind::gs, at);
  const std::uint8_t c = b[at + 1];
  if (in(c, ":")) return complete(CommandKind::gs, at, 2, avail);
  if (in(c, "!BEHIabfhrw/")) return complete(CommandKind::gs, at, 3, avail);
  if (in(c, "LW$\\P")) return complete(CommandKind::gs, at, 4, avail);
  switch (c) {
    case '(': {
      if (avail < 5) return incomplete(CommandKind::gs, at);
      const std::size_t p = b[at + 3] + 256u * b[at + 4];
      return complete(CommandKind::gs, at, 5 + p, avail);
    }
    case '8': {
      if (avail < 7) return incomplete(CommandKind::gs, at);
      const std::size_t p =
          b[at + 3] + (std::size_t{b[at + 4]} << 8) + (std::size_t{b[at + 5]} << 16) + (std::size_t{b[at + 6]} << 24);
      return complete(CommandKind::gs, at, 7 + p, avail);
    }
    case 'v': {
      if (avail < 8) return incomplete(CommandKind::gs, at);
      const std::size_t x = b[at + 4] + 256u * b[at + 5];
      const std::size_t y = b[at + 6] + 256u * b[at + 7];
      return complete(CommandKind::gs, at, 8 + x * y, avail);
    }
    case 'V': {
      if (avail < 3) return incomplete(CommandKind::gs, at);
      const std::uint8_t m = b[at + 2];
      const bool with_feed = m == 65 || m == 66 || m == 97 || m == 98 || m == 103 || m == 104;
      return complete(CommandKind::gs, at, with_feed ? 4 : 3, avail);
    }
    case 'k': {
      if (avail < 3) return incomplete(CommandKind::gs, at);
      const std::uint8_t m = b[at + 2];
      if (m <= 6) {
        auto end = until_nul(b.subspan(at), 3);
        return end ? complete(CommandKind::gs, at, *end, avail) : incomplete(CommandKind::gs, at);
      }
      if (avail < 4) return incomplete(CommandKind::gs, at);
      return complete(CommandKind::gs, at, 4 + b[at + 3], avail);
    }
    case '*': {
      if (avail < 4) return incomplete(CommandKind::gs, at);
      return complete(CommandKind::gs, at, 4 + std::size_t{b[at + 2]} * b[at + 3] * 8, avail);
    }
    default:
      return complete(CommandKind::unknown, at, 2, avail);
  }
}

ScanResult scan_fs(std::span<const std::uint8_t> b, std::size_t at) {
  const std::size_t avail = b.size() - at;
  if (avail < 2) return incomplete(CommandKind::esc, at);
  const std::uint8_t c = b[at + 1];
  if (in(c, ".&")) return complete(CommandKind::esc, at, 2, avail);
  if (in(c, "!C-")) return complete(CommandKind::esc, at, 3, avail);
  if (c == 'p') return complete(CommandKind::esc, at, 4, avail);
  return complete(CommandKind::unknown, at, 2, avail);
}

ScanResult scan_dle(std::span<const std::uint8_t> b, std::size_t at) {
  const std::size_t avail = b.size() - at;
  if (avail < 2) return incomplete(CommandKind::realtime, at);
  const std::uint8_t c = b[at + 1];
  if (c == 0x04 || c == 0x05) return complete(CommandKind::realtime, at, 3, avail);
  if (c == 0x14) return complete(CommandKind::realtime, at, 5, avail);
  return complete(CommandKind::unknown, at, 2, avail);
}

std::string byte_name(std::uint8_t c) {
  if (c > 0x20 && c < 0x7F) return std::string(1, static_cast<char>(c));
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned>(c));
  return buf;
}

}  // namespace

ScanResult scan(std::span<const std::uint8_t> b, std::size_t at) {
  if (at >= b.size()) return {ScanStatus::end, {CommandKind::text, at, 0}};
  const std::uint8_t c = b[at];
  if (c >= 0x20) {
    std::size_t end = at;
    while (end < b.size() && b[end] >= 0x20) ++end;
    return {ScanStatus::complete, {CommandKind::text, at, end - at}};
  }
  switch (c) {
    case kEsc:
      return scan_esc(b, at);
    case kGs:
      return scan_gs(b, at);
    case kFs:
      return scan_fs(b, at);
    case kDle:
      return scan_dle(b, at);
    default:
      return {ScanStatus::complete, {CommandKind::control, at, 1}};
  }
}

std::string command_name(std::span<const std::uint8_t> b, std::size_t at) {
  if (at >= b.size()) return "end of data";
  const std::uint8_t c = b[at];
  auto next = [&](std::size_t k) -> std::string { return at + k < b.size() ? " " + byte_name(b[at + k]) : ""; };
  switch (c) {
    case kEsc:
      return "ESC" + next(1);
    case kFs:
      return "FS" + next(1);
    case kGs:
      if (at + 1 < b.size() && (b[at + 1] == '(' || b[at + 1] == 'v' || b[at + 1] == '8')) {
        return "GS" + next(1) + next(2);
      }
      return "GS" + next(1);
    case kDle:
      if (at + 1 < b.size() && b[at + 1] == kEot) return "DLE EOT";
      if (at + 1 < b.size() && b[at + 1] == 0x05) return "DLE ENQ";
      if (at + 1 < b.size() && b[at + 1] == 0x14) return "DLE DC4";
      return "DLE" + next(1);
    case kLf:
      return "LF";
    case 0x0D:
      return "CR";
    case 0x09:
      return "HT";
    case 0x0C:
      return "FF";
    case 0x18:
      return "CAN";
    default:
      return c < 0x20 ? "control byte " + byte_name(c) : "text";
  }
}

}  // namespace guichet::hardware::escpos
