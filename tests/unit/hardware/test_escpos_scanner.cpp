// Command boundaries in an ESC/POS stream: the simulator and the interpreter depend on them.
#include <gtest/gtest.h>

#include <vector>

#include "guichet/hardware/escpos/encoder.hpp"
#include "guichet/hardware/escpos/scanner.hpp"

namespace {

using namespace guichet::hardware::escpos;

std::vector<Command> all_commands(const Bytes& b) {
  std::vector<Command> out;
  std::size_t at = 0;
  for (;;) {
    auto r = scan(b, at);
    if (r.status != ScanStatus::complete) break;
    out.push_back(r.command);
    at += r.command.length;
  }
  return out;
}

TEST(EscposScanner, SplitsAJobIntoItsCommands) {
  Encoder e;
  e.init().align(Align::centre).line("Hi").qr("X").cut(CutMode::partial, 0);
  const Bytes job = std::move(e).finish().value();
  const auto cmds = all_commands(job);
  ASSERT_EQ(cmds.size(), 10u);
  EXPECT_EQ(cmds[0].length, 2u);  // ESC @
  EXPECT_EQ(cmds[1].length, 3u);  // ESC a 1
  EXPECT_EQ(cmds[2].kind, CommandKind::text);
  EXPECT_EQ(cmds[2].length, 2u);
  EXPECT_EQ(cmds[3].kind, CommandKind::control);
  for (int i = 4; i < 9; ++i) EXPECT_EQ(cmds[static_cast<std::size_t>(i)].kind, CommandKind::gs);
  EXPECT_EQ(cmds[7].length, 9u);  // GS ( k store with one byte of data
  EXPECT_EQ(cmds[9].length, 4u);  // GS V 66 0
  std::size_t total = 0;
  for (const auto& c : cmds) total += c.length;
  EXPECT_EQ(total, job.size());
}

TEST(EscposScanner, StatusRequestBytesInsideRasterDataAreData) {
  auto img = RasterImage::blank(24, 2);
  // Row 0 holds the bytes of DLE EOT 1, row 1 those of GS V 0.
  img.bits = {0x10, 0x04, 0x01, 0x1D, 0x56, 0x00};
  Encoder e;
  e.raster(img).status_request(StatusRequest::printer);
  const Bytes job = std::move(e).finish().value();
  const auto cmds = all_commands(job);
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0].kind, CommandKind::gs);
  EXPECT_EQ(cmds[0].length, 8u + 6u);
  EXPECT_EQ(cmds[1].kind, CommandKind::realtime);
  EXPECT_EQ(cmds[1].length, 3u);
}

TEST(EscposScanner, ReportsIncompleteCommandsUntilTheRestArrives) {
  const Bytes head = {0x1D, 0x76, 0x30, 0, 2, 0, 2, 0, 0xFF};  // needs 4 data bytes, has 1
  auto r = scan(head, 0);
  EXPECT_EQ(r.status, ScanStatus::incomplete);
  EXPECT_EQ(r.command.length, 12u);
  const Bytes partial_esc = {0x1B};
  EXPECT_EQ(scan(partial_esc, 0).status, ScanStatus::incomplete);
  const Bytes partial_qr = {0x1D, 0x28, 0x6B, 0x05};
  EXPECT_EQ(scan(partial_qr, 0).status, ScanStatus::incomplete);
  EXPECT_EQ(scan(Bytes{}, 0).status, ScanStatus::end);
}

TEST(EscposScanner, UnknownCommandsAreMarkedAndSkippedByTwoBytes) {
  const Bytes b = {0x1B, 0x7F, 'o', 'k', 0x1D, 0x7E, 0x1C, 0x7A};
  const auto cmds = all_commands(b);
  ASSERT_EQ(cmds.size(), 4u);
  EXPECT_EQ(cmds[0].kind, CommandKind::unknown);
  EXPECT_EQ(cmds[0].length, 2u);
  EXPECT_EQ(cmds[1].kind, CommandKind::text);
  EXPECT_EQ(cmds[2].kind, CommandKind::unknown);
  EXPECT_EQ(cmds[3].kind, CommandKind::unknown);
  EXPECT_EQ(command_name(b, 0), "ESC 0x7F");
  EXPECT_EQ(command_name(b, 4), "GS ~");
}

TEST(EscposScanner, KnowsVariableLengthCommands) {
  // GS k m=4 (CODE39) data NUL; GS k m=73 n data; ESC * m nL nH with 24-dot columns; GS V 0.
  const Bytes b = {0x1D, 0x6B, 4,  'A', 'B', 0, 0x1D, 0x6B, 73,   2,    'x', 'y',
                   0x1B, 0x2A, 33, 1,   0,   1, 2,    3,    0x1D, 0x56, 0};
  const auto cmds = all_commands(b);
  ASSERT_EQ(cmds.size(), 4u);
  EXPECT_EQ(cmds[0].length, 6u);
  EXPECT_EQ(cmds[1].length, 6u);
  EXPECT_EQ(cmds[2].length, 8u);
  EXPECT_EQ(cmds[3].length, 3u);
  EXPECT_EQ(command_name(b, 20), "GS V");
}

}  // namespace
