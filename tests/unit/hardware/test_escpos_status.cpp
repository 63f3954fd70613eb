// DLE EOT replies: every documented bit of every status byte, the fixed bits, and the messages
// people see.
#include <gtest/gtest.h>

#include <functional>

#include "guichet/hardware/escpos/status.hpp"

namespace {

using namespace guichet::hardware::escpos;
using guichet::hardware::ErrorKind;

constexpr std::uint8_t kIdle = 0x12;  // bits 1 and 4: the fixed pattern with nothing to report

struct BitCase {
  StatusRequest request;
  int bit;
  std::function<bool(const PrinterStatus&)> flag;
  const char* name;
};

PrinterStatus apply(StatusRequest request, std::uint8_t b) {
  PrinterStatus s;
  EXPECT_FALSE(apply_status_byte(request, b, s));
  return s;
}

TEST(EscposStatus, IdleRepliesMeanReady) {
  auto s = parse_status({kIdle, kIdle, kIdle, kIdle});
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->ready());
  EXPECT_TRUE(s->online);
  EXPECT_EQ(s->fault(), ErrorKind::none);
  EXPECT_EQ(s->message(), "Printer ready");
  EXPECT_EQ(s.value(), PrinterStatus{});
}

TEST(EscposStatus, EveryDocumentedBitSetsItsFlagAndNoOther) {
  const BitCase cases[] = {
      {StatusRequest::printer, 2, [](const PrinterStatus& s) { return s.drawer_pin3_high; }, "drawer pin 3"},
      {StatusRequest::printer, 3, [](const PrinterStatus& s) { return !s.online; }, "offline"},
      {StatusRequest::printer, 5, [](const PrinterStatus& s) { return s.waiting_for_online_recovery; }, "recovery"},
      {StatusRequest::printer, 6, [](const PrinterStatus& s) { return s.feed_button_pressed; }, "feed button"},
      {StatusRequest::offline_cause, 2, [](const PrinterStatus& s) { return s.cover_open; }, "cover open"},
      {StatusRequest::offline_cause, 3, [](const PrinterStatus& s) { return s.paper_fed_by_button; }, "fed"},
      {StatusRequest::offline_cause, 5, [](const PrinterStatus& s) { return s.stopped_at_paper_end; }, "end stop"},
      {StatusRequest::offline_cause, 6, [](const PrinterStatus& s) { return s.error; }, "error"},
      {StatusRequest::error_cause, 2, [](const PrinterStatus& s) { return s.recoverable_error; }, "recoverable"},
      {StatusRequest::error_cause, 3, [](const PrinterStatus& s) { return s.cutter_error; }, "cutter"},
      {StatusRequest::error_cause, 5, [](const PrinterStatus& s) { return s.unrecoverable_error; }, "unrecov."},
      {StatusRequest::error_cause, 6, [](const PrinterStatus& s) { return s.auto_recoverable_error; }, "auto"},
      {StatusRequest::paper, 2, [](const PrinterStatus& s) { return s.paper_near_end; }, "near end (bit 2)"},
      {StatusRequest::paper, 3, [](const PrinterStatus& s) { return s.paper_near_end; }, "near end (bit 3)"},
      {StatusRequest::paper, 5, [](const PrinterStatus& s) { return s.paper_out; }, "paper end (bit 5)"},
      {StatusRequest::paper, 6, [](const PrinterStatus& s) { return s.paper_out; }, "paper end (bit 6)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto on = static_cast<std::uint8_t>(kIdle | (1u << c.bit));
    const PrinterStatus with_bit = apply(c.request, on);
    EXPECT_TRUE(c.flag(with_bit));
    const PrinterStatus without = apply(c.request, kIdle);
    EXPECT_FALSE(c.flag(without));
    EXPECT_FALSE(with_bit == without);
    // No other flag moved.
    int differences = 0;
    for (const auto& other : cases) {
      if (other.flag(with_bit) != other.flag(without)) ++differences;
    }
    // Two table entries read the paired paper bits; either of them moves both entries.
    EXPECT_EQ(differences, c.request == StatusRequest::paper ? 2 : 1);
  }
}

TEST(EscposStatus, BytesWithoutTheFixedBitsAreRefused) {
  for (std::uint8_t bad : {std::uint8_t{0x00}, std::uint8_t{0x10}, std::uint8_t{0x02}, std::uint8_t{0x13},
                           std::uint8_t{0x92}, std::uint8_t{0xFF}, std::uint8_t{'A'}}) {
    SCOPED_TRACE(static_cast<int>(bad));
    EXPECT_FALSE(is_status_byte(bad));
    PrinterStatus s;
    auto err = apply_status_byte(StatusRequest::printer, bad, s);
    EXPECT_EQ(err.kind, ErrorKind::malformed_reply);
    EXPECT_NE(err.message.find("DLE EOT 1"), std::string::npos);
  }
  EXPECT_TRUE(is_status_byte(0x12));
  EXPECT_TRUE(is_status_byte(0x7E));  // every variable bit set
  auto r = parse_status({0x12, 0x12, 0x12, 0x00});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("DLE EOT 4"), std::string::npos);
}

TEST(EscposStatus, FaultsGiveThePlainMessagesPeopleSee) {
  EXPECT_EQ(status_paper_out().message(), "Printer out of paper");
  EXPECT_EQ(status_paper_out().fault(), ErrorKind::paper_out);
  EXPECT_EQ(status_cover_open().message(), "Printer cover open");
  EXPECT_EQ(status_cover_open().fault(), ErrorKind::cover_open);

  PrinterStatus near;
  near.paper_near_end = true;
  EXPECT_TRUE(near.ready());
  EXPECT_EQ(near.message(), "Printer paper low");

  PrinterStatus cutter;
  cutter.cutter_error = true;
  cutter.error = true;
  cutter.online = false;
  EXPECT_EQ(cutter.fault(), ErrorKind::printer_error);
  EXPECT_EQ(cutter.message(), "Printer cutter error");

  PrinterStatus offline;
  offline.online = false;
  EXPECT_EQ(offline.fault(), ErrorKind::offline);
  EXPECT_EQ(offline.message(), "Printer offline");

  // Both at once: the cover is what a person must deal with first.
  PrinterStatus both = status_paper_out();
  both.cover_open = true;
  EXPECT_EQ(both.message(), "Printer cover open");
}

TEST(EscposStatus, EncodeThenParseGivesTheSameStatus) {
  for (const auto& s : {PrinterStatus{}, status_paper_out(), status_cover_open(), status_paper_near_end()}) {
    auto parsed = parse_status(encode_status(s));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed.value(), s);
  }
  const StatusBytes paper_out = encode_status(status_paper_out());
  EXPECT_EQ(paper_out.printer, 0x1A);        // offline
  EXPECT_EQ(paper_out.offline_cause, 0x32);  // stopped at paper end
  EXPECT_EQ(paper_out.error_cause, 0x12);
  EXPECT_EQ(paper_out.paper, 0x7E);  // near end and end, both bit pairs
  EXPECT_EQ(encode_status(status_cover_open()).offline_cause, 0x16);
}

}  // namespace
