// The printer simulator as a real process on 127.0.0.1, driven through the TCP transport and the
// receipt printer driver, with faults set on its control port.
#include "../../unit/hardware/receipt_languages.hpp"
#include "../../unit/hardware/receipt_test_support.hpp"
#include "guichet/hardware/escpos/encoder.hpp"
#include "guichet/hardware/printer/receipt_printer.hpp"
#include "guichet/hardware/receipts/token_slip.hpp"
#include "sim_process.hpp"

namespace {

using namespace guichet::hardware;
using namespace guichet::hardware::printer;
using guichet::test::SimProcess;
using guichet::test::wait_until;
using namespace std::chrono_literals;

class PrinterSim : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    sim_ = std::make_unique<SimProcess>(guichet::test::output_dir() / "printer-sim" / info->name());
    ASSERT_TRUE(sim_->running());
  }

  void TearDown() override {
    if (sim_) {
      EXPECT_EQ(sim_->stop(), 0) << sim_->log();
    }
  }

  ReceiptPrinter driver(ReceiptPrinterOptions options = {}) const {
    TcpOptions tcp;
    tcp.host = "127.0.0.1";
    tcp.port = sim_->port();
    tcp.connect_timeout = 2000ms;
    return ReceiptPrinter(make_tcp_transport(tcp), options);
  }

  static Bytes slip_bytes(bool native_qr) {
    auto r = receipts::encode_token_slip(guichet::test::sample_slip(receipts::kPaper80mm, native_qr));
    EXPECT_TRUE(r.ok());
    return r.ok() ? r.value() : Bytes{};
  }

  void expect_printed_slip(int job, const Bytes& bytes) const {
    ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(sim_->job_png(job)); }, 10s)) << sim_->log();
    EXPECT_EQ(guichet::test::read_bytes(sim_->job_bin(job)), bytes);
    auto png = escpos_render::read_png(sim_->job_png(job));
    ASSERT_TRUE(png.ok()) << png.error().message;
    EXPECT_EQ(png->width, 576);
    EXPECT_EQ(guichet::test::decode_qr(png.value()), "LDH01-20261123-A042");
  }

  std::unique_ptr<SimProcess> sim_;
};

TEST_F(PrinterSim, PrintsATokenSlipWhoseQrDecodes) {
  auto printer = driver();
  const Bytes job = slip_bytes(true);
  auto r = printer.print(job);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->status_checked);
  EXPECT_TRUE(r->status.ready());
  expect_printed_slip(1, job);
  EXPECT_EQ(sim_->control("jobs"), "jobs=1 lost_bytes=0 last=job-0001");
}

TEST_F(PrinterSim, PrintsARasterQrSlipWhoseQrDecodes) {
  auto printer = driver();
  const Bytes job = slip_bytes(false);
  auto r = printer.print(job);
  ASSERT_TRUE(r.ok()) << r.error().message;
  expect_printed_slip(1, job);
}

TEST_F(PrinterSim, PrintsAnUrduSlipDrawnAsImagesOverTcp) {
  // Eleven raster images in one job through the driver and the network: the printer's paper is
  // the golden Urdu slip, and its QR still decodes.
  auto job = receipts::encode_token_slip(guichet::test::token_slip_in("ur"), guichet::test::receipt_text().options());
  ASSERT_TRUE(job.ok()) << job.error().message;
  auto printer = driver();
  auto r = printer.print(job.value());
  ASSERT_TRUE(r.ok()) << r.error().message;
  expect_printed_slip(1, job.value());
  auto png = escpos_render::read_png(sim_->job_png(1));
  ASSERT_TRUE(png.ok()) << png.error().message;
  guichet::test::expect_golden_png("ur/token-slip-80mm.png", png.value(), 0.0);
}

TEST_F(PrinterSim, SuccessiveJobsOnOneConnectionAreSeparateFiles) {
  auto printer = driver();
  const Bytes job = slip_bytes(true);
  ASSERT_TRUE(printer.print(job).ok());
  ASSERT_TRUE(printer.print(job).ok());
  expect_printed_slip(1, job);
  expect_printed_slip(2, job);
}

TEST_F(PrinterSim, PaperOutIsReportedAndNothingIsPrinted) {
  EXPECT_EQ(sim_->control("paper-out"), "ok paper-out");
  auto printer = driver();
  auto r = printer.print(slip_bytes(true));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::paper_out);
  EXPECT_EQ(r.error().message, "Printer out of paper");
  const std::string status = sim_->control("status");
  EXPECT_NE(status.find("paper_out=1"), std::string::npos) << status;
  EXPECT_NE(status.find("jobs=0 lost_bytes=0"), std::string::npos) << status;  // refused before sending
  EXPECT_FALSE(std::filesystem::exists(sim_->job_bin(1)));

  // Paper loaded: the next slip prints as job 1.
  EXPECT_EQ(sim_->control("ok"), "ok");
  const Bytes job = slip_bytes(true);
  ASSERT_TRUE(printer.print(job).ok());
  expect_printed_slip(1, job);
}

TEST_F(PrinterSim, BytesSentDuringPaperOutAreLostAndTheDriverSaysSo) {
  // A driver that does not ask first still learns of the fault from the status after the job.
  auto printer = driver({1500ms, false, true, false});
  EXPECT_EQ(sim_->control("paper-out"), "ok paper-out");
  const Bytes job = slip_bytes(true);
  auto r = printer.print(job);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::paper_out);
  EXPECT_EQ(r.error().message, "Printer out of paper (while printing)");
  EXPECT_EQ(sim_->control("jobs"), "jobs=0 lost_bytes=" + std::to_string(job.size()) + " last=none");
  EXPECT_FALSE(std::filesystem::exists(sim_->job_bin(1)));
}

TEST_F(PrinterSim, CoverOpenIsReported) {
  EXPECT_EQ(sim_->control("cover-open"), "ok cover-open");
  auto printer = driver();
  auto s = printer.status();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->cover_open);
  EXPECT_FALSE(s->online);
  auto r = printer.print(slip_bytes(true));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::cover_open);
  EXPECT_EQ(r.error().message, "Printer cover open");
  EXPECT_FALSE(std::filesystem::exists(sim_->job_bin(1)));
}

TEST_F(PrinterSim, OfflinePrinterTimesOut) {
  EXPECT_EQ(sim_->control("offline"), "ok offline");
  auto printer = driver({300ms, true, true, false});
  const auto start = std::chrono::steady_clock::now();
  auto r = printer.print(slip_bytes(true));
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::timeout);
  EXPECT_NE(r.error().message.find("Printer not responding"), std::string::npos) << r.error().message;
  EXPECT_GE(waited, 290ms);
  EXPECT_LT(waited, 3000ms);
  EXPECT_NE(sim_->control("status").find("responding=0"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(sim_->job_bin(1)));

  // Back online: the driver reconnects and prints.
  EXPECT_EQ(sim_->control("ok"), "ok");
  const Bytes job = slip_bytes(true);
  auto again = printer.print(job);
  ASSERT_TRUE(again.ok()) << again.error().message;
  expect_printed_slip(1, job);
}

TEST_F(PrinterSim, PaperNearEndPrintsWithAWarning) {
  EXPECT_EQ(sim_->control("paper-near-end"), "ok paper-near-end");
  auto printer = driver();
  const Bytes job = slip_bytes(true);
  auto r = printer.print(job);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->warning, "Printer paper low");
  expect_printed_slip(1, job);
}

TEST_F(PrinterSim, AJobWithoutACutEndsWhenTheConnectionCloses) {
  escpos::Encoder e;
  e.init().line("no cut");
  const Bytes job = std::move(e).finish().value();
  {
    auto transport = make_tcp_transport({"127.0.0.1", sim_->port(), 2000ms, 2000ms});
    ASSERT_FALSE(transport->write(job));
    transport->close();
  }
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(sim_->job_png(1)); }, 10s)) << sim_->log();
  EXPECT_EQ(guichet::test::read_bytes(sim_->job_bin(1)), job);
}

TEST_F(PrinterSim, ControlPortRefusesUnknownCommands) {
  const std::string reply = sim_->control("jam");
  EXPECT_EQ(reply.rfind("error: unknown command 'jam'", 0), 0u) << reply;
  EXPECT_NE(reply.find("paper-out"), std::string::npos);
  EXPECT_EQ(sim_->control("status"),
            "online=1 paper_out=0 paper_near_end=0 cover_open=0 responding=1 jobs=0 lost_bytes=0 "
            "message=Printer ready");
}

}  // namespace
