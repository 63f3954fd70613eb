// Splits an ESC/POS byte stream into commands without interpreting them. The interpreter and the
// printer simulator both need command boundaries: a DLE EOT or GS V inside raster or QR data is
// data, not a command.
//
// Command lengths known:
//  [X] text runs, LF, CR, HT, FF, CAN
//  [X] DLE EOT n, DLE ENQ n, DLE DC4 fn m t
//  [X] ESC with one parameter byte (a, E, -, M, t, d, J, 3, !, G, R, V, {, SP, c4, c5, r, =)
//  [X] ESC @, ESC 2; ESC p m t1 t2; ESC $ nL nH; ESC * m nL nH d…
//  [X] GS ! n, GS B n, GS H n, GS f n, GS h n, GS w n, GS a n, GS L nL nH, GS W nL nH
//  [X] GS ( X pL pH … (every GS ( function), GS v 0 m xL xH yL yH d…, GS V m [n], GS k m …
//  [ ] Anything else: an unknown ESC x / GS x is taken as two bytes and marked unknown, so the
//      caller can report it; the rest of the stream is still scanned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace guichet::hardware::escpos {

enum class CommandKind {
  text,      // printable bytes (0x20–0xFF), one run
  control,   // one C0 control byte: LF, CR, HT, FF, CAN, …
  esc,       // ESC x …
  gs,        // GS x …
  realtime,  // DLE EOT / DLE ENQ / DLE DC4: executed by the printer on receipt
  unknown,   // ESC/GS/FS/DLE with a second byte this scanner does not know
};

struct Command {
  CommandKind kind = CommandKind::text;
  std::size_t offset = 0;  // where it starts in the scanned span
  std::size_t length = 0;  // bytes, including parameters and data
};

enum class ScanStatus {
  complete,    // command holds a whole command
  incomplete,  // the bytes end inside a command: wait for more (or report truncation)
  end,         // no bytes left
};

struct ScanResult {
  ScanStatus status = ScanStatus::end;
  Command command;
};

// The command that starts at bytes[offset].
ScanResult scan(std::span<const std::uint8_t> bytes, std::size_t offset);

// "ESC a", "GS ( k", "DLE EOT", "0x1C 0x70" …: how the command at bytes[offset] is written in
// manuals, for warnings.
std::string command_name(std::span<const std::uint8_t> bytes, std::size_t offset);

inline constexpr std::uint8_t kDle = 0x10;
inline constexpr std::uint8_t kEot = 0x04;
inline constexpr std::uint8_t kEsc = 0x1B;
inline constexpr std::uint8_t kFs = 0x1C;
inline constexpr std::uint8_t kGs = 0x1D;
inline constexpr std::uint8_t kLf = 0x0A;

}  // namespace guichet::hardware::escpos
