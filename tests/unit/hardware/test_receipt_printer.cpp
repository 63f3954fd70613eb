// The receipt printer driver over an in-memory wire whose far end is the simulator's printer
// model, so status replies are the bytes a printer sends.
#include <gtest/gtest.h>

#include "guichet/hardware/escpos/encoder.hpp"
#include "guichet/hardware/printer/receipt_printer.hpp"
#include "guichet/hardware/printer_sim/simulated_printer.hpp"
#include "receipt_test_support.hpp"

namespace {

using namespace guichet::hardware;
using namespace guichet::hardware::printer;
using printer_sim::Fault;
using printer_sim::SimulatedPrinter;
using namespace std::chrono_literals;

const Bytes kQuery = {0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 3, 0x10, 4, 4};

Bytes sample_job() {
  escpos::Encoder e;
  e.init().line("Token A042").cut();
  return std::move(e).finish().value();
}

// A printer at the end of a memory wire.
struct Bench {
  SimulatedPrinter device;
  printer_sim::Session session;
  std::vector<Bytes> printed;
  MemoryTransport* wire = nullptr;
  std::unique_ptr<ReceiptPrinter> driver;

  explicit Bench(ReceiptPrinterOptions options = {}) {
    options.status_timeout = 50ms;
    auto transport = std::make_unique<MemoryTransport>([this](std::span<const std::uint8_t> written) {
      auto r = device.receive(session, written);
      for (auto& j : r.jobs) printed.push_back(std::move(j));
      return r.replies;
    });
    wire = transport.get();
    driver = std::make_unique<ReceiptPrinter>(std::move(transport), options);
  }
};

TEST(ReceiptPrinter, ChecksStatusSendsTheJobAndChecksAgain) {
  Bench b;
  const Bytes job = sample_job();
  auto r = b.driver->print(job);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->bytes_sent, job.size());
  EXPECT_TRUE(r->status_checked);
  EXPECT_TRUE(r->status.ready());
  EXPECT_TRUE(r->warning.empty());
  Bytes expected = kQuery;
  expected.insert(expected.end(), job.begin(), job.end());
  expected.insert(expected.end(), kQuery.begin(), kQuery.end());
  EXPECT_EQ(b.wire->written(), expected);
  ASSERT_EQ(b.printed.size(), 1u);
  EXPECT_EQ(b.printed[0], job);
}

TEST(ReceiptPrinter, PaperOutRefusesTheJobBeforeSendingIt) {
  Bench b;
  b.device.set_fault(Fault::paper_out);
  auto r = b.driver->print(sample_job());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::paper_out);
  EXPECT_EQ(r.error().message, "Printer out of paper");
  EXPECT_EQ(b.wire->written(), kQuery);
  EXPECT_TRUE(b.printed.empty());
}

TEST(ReceiptPrinter, CoverOpenRefusesTheJob) {
  Bench b;
  b.device.set_fault(Fault::cover_open);
  auto r = b.driver->print(sample_job());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::cover_open);
  EXPECT_EQ(r.error().message, "Printer cover open");
  EXPECT_TRUE(b.printed.empty());
}

TEST(ReceiptPrinter, SilentPrinterTimesOut) {
  Bench b;
  b.device.set_fault(Fault::unresponsive);
  auto r = b.driver->print(sample_job());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::timeout);
  EXPECT_NE(r.error().message.find("Printer not responding"), std::string::npos);
  EXPECT_NE(r.error().message.find("0 of 4"), std::string::npos);
  EXPECT_EQ(b.wire->written(), kQuery);
}

TEST(ReceiptPrinter, PaperNearEndPrintsWithAWarning) {
  Bench b;
  b.device.set_fault(Fault::paper_near_end);
  auto r = b.driver->print(sample_job());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->warning, "Printer paper low");
  EXPECT_EQ(b.printed.size(), 1u);
}

TEST(ReceiptPrinter, FaultWhilePrintingIsReported) {
  // The roll runs out as the job arrives: the status after the job says so.
  SimulatedPrinter device;
  printer_sim::Session session;
  int writes = 0;
  auto transport = std::make_unique<MemoryTransport>([&](std::span<const std::uint8_t> written) {
    if (++writes == 2) device.set_fault(Fault::paper_out);
    return device.receive(session, written).replies;
  });
  ReceiptPrinter driver(std::move(transport), {50ms, true, true, false});
  auto r = driver.print(sample_job());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::paper_out);
  EXPECT_EQ(r.error().message, "Printer out of paper (while printing)");
  EXPECT_GT(device.bytes_lost(), 0u);
}

TEST(ReceiptPrinter, GarbledStatusIsRefused) {
  auto transport = std::make_unique<MemoryTransport>(
      [](std::span<const std::uint8_t> written) { return Bytes(written.size() / 3, 'A'); });
  ReceiptPrinter driver(std::move(transport), {50ms, true, true, false});
  auto r = driver.print(sample_job());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::malformed_reply);
  EXPECT_NE(r.error().message.find("0x41"), std::string::npos);
}

TEST(ReceiptPrinter, StatusQueryReturnsFaultsAsValues) {
  Bench b;
  b.device.set_fault(Fault::cover_open);
  auto s = b.driver->status();
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->cover_open);
  EXPECT_FALSE(s->online);
  b.device.clear_faults();
  s = b.driver->status();
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->ready());
}

TEST(ReceiptPrinter, BrokenWireIsAnIoError) {
  Bench b;
  b.wire->fail_next_write({ErrorKind::io, "connection to printer failed while sending: Broken pipe"});
  auto r = b.driver->print(sample_job());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::io);
  EXPECT_TRUE(b.printed.empty());
}

TEST(ReceiptPrinter, OneWayTransportPrintsWithoutStatus) {
  const auto path = guichet::test::output_dir() / "driver-file.bin";
  std::filesystem::remove(path);
  ReceiptPrinter driver(make_file_transport({path, true}));
  const Bytes job = sample_job();
  auto r = driver.print(job);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->status_checked);
  EXPECT_EQ(guichet::test::read_bytes(path), job);
  auto s = driver.status();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("cannot report its status"), std::string::npos);
}

TEST(ReceiptPrinter, EmptyJobIsRefused) {
  Bench b;
  auto r = b.driver->print(Bytes{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::invalid_argument);
  EXPECT_TRUE(b.wire->written().empty());
}

TEST(ReceiptPrinter, FaultErrorIsEmptyForAReadyPrinter) {
  EXPECT_FALSE(fault_error(escpos::PrinterStatus{}));
  EXPECT_EQ(fault_error(escpos::status_paper_out()).kind, ErrorKind::paper_out);
}

// The one word the centre's dashboard is told for what the printer answered.
TEST(PrinterCondition, IsOneWordForEachStatusAPersonCanActOn) {
  EXPECT_EQ(condition_word(escpos::PrinterStatus{}), "ready");
  EXPECT_EQ(condition_word(escpos::status_paper_near_end()), "paper_low");
  EXPECT_EQ(condition_word(escpos::status_paper_out()), "paper_out");
  EXPECT_EQ(condition_word(escpos::status_cover_open()), "cover_open");
  escpos::PrinterStatus offline;
  offline.online = false;
  EXPECT_EQ(condition_word(offline), "offline");
  escpos::PrinterStatus cutter;
  cutter.cutter_error = true;
  EXPECT_EQ(condition_word(cutter), "printer_error");
  // An open cover also stops the paper and takes the printer offline: the cover is what to fix.
  escpos::PrinterStatus both = escpos::status_cover_open();
  both.paper_out = true;
  both.online = false;
  EXPECT_EQ(condition_word(both), "cover_open");
}

TEST(PrinterCondition, AnErrorSaysTheConditionOnlyWhenItIsThePrinters) {
  EXPECT_EQ(condition_word(Error{ErrorKind::paper_out, "Printer out of paper"}), "paper_out");
  EXPECT_EQ(condition_word(Error{ErrorKind::timeout, "Printer not responding"}), "not_responding");
  EXPECT_EQ(condition_word(Error{ErrorKind::connect_failed, "cannot connect"}), "unreachable");
  EXPECT_EQ(condition_word(Error{ErrorKind::io, "broken pipe"}), "unreachable");
  EXPECT_EQ(condition_word(Error{ErrorKind::file, "cannot write /dev/usb/lp0"}), "unreachable");
  EXPECT_EQ(condition_word(Error{ErrorKind::malformed_reply, "status byte 0x00"}), "printer_error");
  // A job the printer cannot carry says nothing of the printer.
  EXPECT_EQ(condition_word(Error{ErrorKind::unsupported_text, "no such glyph"}), "");
  EXPECT_EQ(condition_word(Error{ErrorKind::invalid_argument, "QR too large"}), "");
  EXPECT_EQ(condition_word(Error{ErrorKind::render, "font missing"}), "");
}

// What a simulated printer's real status bytes come to, through the driver's own status query, and
// a job refused for an empty roll.
TEST(PrinterCondition, FromTheSimulatorsStatusBytes) {
  Bench b;
  auto st = b.driver->status();
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(condition_word(st.value()), "ready");
  b.device.set_fault(Fault::paper_near_end);
  st = b.driver->status();
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(condition_word(st.value()), "paper_low");
  b.device.set_fault(Fault::paper_out);
  auto job = b.driver->print(sample_job());
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(condition_word(job.error()), "paper_out");
  b.device.set_fault(Fault::unresponsive);
  st = b.driver->status();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(condition_word(st.error()), "not_responding");
}

}  // namespace
