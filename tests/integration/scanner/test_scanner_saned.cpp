// The document scanner against SANE's network daemon serving the test backend: what a page looks
// like (the test backend's grid of 10 mm squares), and what the operator is told when the scanner
// jams, is empty, is open, is not there or dies mid-page.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <set>
#include <thread>
#include <vector>

#include "../../unit/hardware/scanned_png.hpp"
#include "guichet/hardware/scanner/document_scanner.hpp"
#include "guichet/testing/saned.hpp"
#include "scan_test_support.hpp"

namespace {

using namespace guichet::hardware::scanner;
using guichet::test::decode_png;
using guichet::test::slow_page;
using guichet::test::why;
using guichet::testing::SanedOptions;
using guichet::testing::SanedSimulator;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The test backend's whole area is 0–200 mm on both axes: at 200 dpi, (int)(200 × 200 / 25.4).
constexpr int kFullArea200Dpi = 1574;
constexpr double kSquarePx = 10.0 * 200 / 25.4;  // a 10 mm square at 200 dpi

ScannerOptions options_for(const SanedSimulator& sim, int device = 0) {
  ScannerOptions o;
  o.device = sim.device_name(device);
  o.config_dir = sim.client_config_dir();
  return o;
}

// The centre of grid square (col, row) is white when col + row is even (the top-left one is).
void expect_grid(const guichet::test::DecodedPng& img, int squares) {
  for (int row = 0; row < squares; ++row) {
    for (int col = 0; col < squares; ++col) {
      const int x = static_cast<int>((col + 0.5) * kSquarePx);
      const int y = static_cast<int>((row + 0.5) * kSquarePx);
      const std::uint8_t want = (col + row) % 2 == 0 ? 255 : 0;
      for (int c = 0; c < img.channels; ++c) {
        ASSERT_EQ(img.at(x, y, c), want) << "square " << col << "," << row << " channel " << c;
      }
    }
  }
}

class ScannerSaned : public ::testing::Test {
 protected:
  void start(SanedOptions options = {}) {
    sim_ = std::make_unique<SanedSimulator>(std::move(options));
    ASSERT_TRUE(sim_->start()) << sim_->log();
  }
  std::unique_ptr<SanedSimulator> sim_;
};

class ScannerSanedDepth : public ScannerSaned, public ::testing::WithParamInterface<int> {};

TEST_P(ScannerSanedDepth, GrayAt200DpiIsTheWholeAreaShowingTheGrid) {
  SanedOptions o;
  o.depth = GetParam();
  start(o);
  DocumentScanner scanner(options_for(*sim_));
  auto r = scanner.scan_page();
  ASSERT_TRUE(r.ok()) << why(r) << "\n" << sim_->log();
  EXPECT_EQ(r->width, kFullArea200Dpi);
  EXPECT_EQ(r->height, kFullArea200Dpi);
  EXPECT_EQ(r->dpi, 200);
  EXPECT_FALSE(r->color);
  auto img = decode_png(r->png);
  ASSERT_TRUE(img.error.empty()) << img.error;
  EXPECT_EQ(img.channels, 1);
  EXPECT_EQ(img.width, kFullArea200Dpi);
  EXPECT_EQ(img.height, kFullArea200Dpi);
  expect_grid(img, 20);
  EXPECT_EQ(guichet::test::png_pixels_per_metre(r->png), 7874U);
}

// 8 bits, 1-bit lineart (expanded to gray) and 16 bits (reduced to 8) give the same page.
INSTANTIATE_TEST_SUITE_P(Depths, ScannerSanedDepth, ::testing::Values(8, 1, 16));

TEST_F(ScannerSaned, ColorModeGivesAnRgbPage) {
  start();
  ScannerOptions o = options_for(*sim_);
  o.mode = ScanMode::Color;
  o.resolution_dpi = 100;
  DocumentScanner scanner(o);
  auto r = scanner.scan_page();
  ASSERT_TRUE(r.ok()) << why(r);
  EXPECT_TRUE(r->color);
  EXPECT_EQ(r->dpi, 100);
  auto img = decode_png(r->png);
  ASSERT_TRUE(img.error.empty()) << img.error;
  EXPECT_EQ(img.channels, 3);
  EXPECT_EQ(img.width, 787);  // (int)(100 × 200 / 25.4)
  const int square = static_cast<int>(10.0 * 100 / 25.4);
  EXPECT_EQ(img.at(square / 2, square / 2, 0), 255);
  EXPECT_EQ(img.at(square / 2, square / 2, 2), 255);
  EXPECT_EQ(img.at(square + square / 2, square / 2, 1), 0);
}

TEST_F(ScannerSaned, TheNamedDeviceOfTwoAndTheFirstWhenNoneIsNamed) {
  SanedOptions o;
  o.devices = 2;
  start(o);
  auto devices = list_devices(sim_->client_config_dir());
  ASSERT_TRUE(devices.ok()) << devices.error().detail;
  ASSERT_EQ(devices->size(), 2U);
  EXPECT_EQ(devices.value()[0].name, sim_->device_name(0));
  EXPECT_EQ(devices.value()[1].name, sim_->device_name(1));
  EXPECT_EQ(devices.value()[1].vendor, "Noname");

  DocumentScanner second(options_for(*sim_, 1));
  auto r = second.scan_page();
  ASSERT_TRUE(r.ok()) << why(r);
  EXPECT_EQ(r->width, kFullArea200Dpi);

  ScannerOptions first_found = options_for(*sim_);
  first_found.device.clear();
  auto f = DocumentScanner(first_found).scan_page();
  ASSERT_TRUE(f.ok()) << why(f);
  EXPECT_EQ(f->height, kFullArea200Dpi);
}

// Simulators started at once at one address, as two tests of a parallel run may be, each end up
// with a daemon of their own: one daemon gets to listen there and the others move on, and every
// address serves the devices of the simulator that holds it (here, simulator i has i + 1).
TEST(SanedSimulators, StartedTogetherAtOneAddressEachServeTheirOwnDevices) {
  constexpr int kCount = 4;
  std::vector<std::unique_ptr<SanedSimulator>> sims;
  for (int i = 0; i < kCount; ++i) {
    SanedOptions o;
    o.devices = i + 1;
    o.first_address = 200;
    sims.push_back(std::make_unique<SanedSimulator>(o));
  }
  std::vector<std::future<bool>> started;
  for (auto& sim : sims) started.push_back(std::async(std::launch::async, [&sim] { return sim->start(); }));
  std::set<std::string> addresses;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(started[static_cast<std::size_t>(i)].get()) << sims[static_cast<std::size_t>(i)]->log();
    addresses.insert(sims[static_cast<std::size_t>(i)]->address());
  }
  EXPECT_EQ(addresses.size(), static_cast<std::size_t>(kCount));

  auto devices = list_devices(sims[0]->client_config_dir());
  ASSERT_TRUE(devices.ok()) << devices.error().detail;
  for (int i = 0; i < kCount; ++i) {
    const auto& sim = *sims[static_cast<std::size_t>(i)];
    const std::string prefix = "net:" + sim.address() + ":";
    const auto served = std::count_if(devices->begin(), devices->end(),
                                      [&](const ScannerDevice& d) { return d.name.rfind(prefix, 0) == 0; });
    EXPECT_EQ(served, i + 1) << sim.address() << "\n" << sim.log();
  }
}

TEST_F(ScannerSaned, AnUnknownDeviceIsNoDevice) {
  start();
  for (const std::string& name : {sim_->device_name(3), std::string("net:") + sim_->address() + ":nosuch:0"}) {
    ScannerOptions o = options_for(*sim_);
    o.device = name;
    auto r = DocumentScanner(o).scan_page();
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().kind, ScanProblemKind::NoDevice) << name << ": " << r.error().detail;
    EXPECT_EQ(r.error().message, "No scanner was found");
  }
}

TEST_F(ScannerSaned, AHandScannerPageOfUnknownHeightIsReadToItsEnd) {
  SanedOptions o;
  o.hand_scanner = true;
  start(o);
  auto r = DocumentScanner(options_for(*sim_)).scan_page();
  ASSERT_TRUE(r.ok()) << why(r);
  // The test backend's hand scanner is 110 mm wide and sends 170 mm.
  EXPECT_EQ(r->width, 866);
  EXPECT_EQ(r->height, 1338);
  auto img = decode_png(r->png);
  ASSERT_TRUE(img.error.empty()) << img.error;
  expect_grid(img, 10);
}

struct Fault {
  const char* read_status;
  ScanProblemKind kind;
  const char* message;
};

class ScannerSanedFault : public ScannerSaned, public ::testing::WithParamInterface<Fault> {};

TEST_P(ScannerSanedFault, TheOperatorIsToldWhatIsWrong) {
  SanedOptions o;
  o.read_status = GetParam().read_status;
  start(o);
  auto r = DocumentScanner(options_for(*sim_)).scan_page();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, GetParam().kind) << r.error().detail;
  EXPECT_EQ(r.error().message, GetParam().message);

  // The fault cleared, the next scan works (nothing stuck in the process's SANE).
  sim_->set_options({});
  auto again = DocumentScanner(options_for(*sim_)).scan_page();
  EXPECT_TRUE(again.ok()) << why(again);
}

INSTANTIATE_TEST_SUITE_P(
    Faults, ScannerSanedFault,
    ::testing::Values(Fault{"SANE_STATUS_JAMMED", ScanProblemKind::Jammed, "Paper jammed in the scanner"},
                      Fault{"SANE_STATUS_NO_DOCS", ScanProblemKind::NoPaper, "No page in the scanner"},
                      Fault{"SANE_STATUS_COVER_OPEN", ScanProblemKind::CoverOpen, "The scanner's cover is open"},
                      Fault{"SANE_STATUS_DEVICE_BUSY", ScanProblemKind::Busy, "The scanner is busy"},
                      Fault{"SANE_STATUS_IO_ERROR", ScanProblemKind::Failed,
                            "The scanner reported an error: Error during device I/O"}));

TEST_F(ScannerSaned, NoDaemonAtTheAddressIsUnreachableWithinSeconds) {
  start();
  sim_->stop();
  const auto begin = Clock::now();
  auto r = DocumentScanner(options_for(*sim_)).scan_page();
  const auto took = Clock::now() - begin;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ScanProblemKind::Unreachable) << r.error().detail;
  EXPECT_EQ(r.error().message, "The scanner cannot be reached");
  EXPECT_LT(took, 5s);
}

TEST_F(ScannerSaned, SanedKilledMidPageEndsTheScanAndARestartedOneServes) {
  start(slow_page());
  DocumentScanner scanner(options_for(*sim_));
  auto scan = std::async(std::launch::async, [&] { return scanner.scan_page(); });
  ASSERT_EQ(scan.wait_for(1500ms), std::future_status::timeout) << "the page came in before saned was killed";
  const auto killed = Clock::now();
  sim_->kill();
  ASSERT_EQ(scan.wait_for(10s), std::future_status::ready) << "the scan did not end after saned died";
  const auto ended = Clock::now() - killed;
  auto r = scan.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ScanProblemKind::Unreachable) << r.error().detail;
  EXPECT_EQ(r.error().message, "The scanner cannot be reached");
  EXPECT_LT(ended, 5s);

  sim_->set_options({});
  ASSERT_TRUE(sim_->start()) << sim_->log();
  auto again = scanner.scan_page();
  ASSERT_TRUE(again.ok()) << why(again);
  expect_grid(decode_png(again->png), 20);
}

// A hung saned: it accepts the connection (the kernel does) and never answers. Opening is given
// up after the answer timeout as Unreachable, instead of blocking the scanning thread for ever;
// once the daemon goes on, the next scan works.
TEST_F(ScannerSaned, AHungSanedIsUnreachableAfterTheAnswerTimeoutAndServesWhenItGoesOn) {
  start();
  ScannerOptions o = options_for(*sim_);
  o.answer_timeout = 2s;
  DocumentScanner scanner(o);
  sim_->pause();
  const auto begin = Clock::now();
  auto scan = std::async(std::launch::async, [&] { return scanner.scan_page(); });
  const bool ended = scan.wait_for(15s) == std::future_status::ready;
  const auto took = Clock::now() - begin;
  sim_->resume();
  ASSERT_TRUE(ended) << "the scan still waits on the hung daemon";
  auto r = scan.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ScanProblemKind::Unreachable) << r.error().detail;
  EXPECT_EQ(r.error().message, "The scanner cannot be reached");
  EXPECT_NE(r.error().detail.find("did not answer for 2000 ms"), std::string::npos) << r.error().detail;
  EXPECT_GE(took, 2s);
  EXPECT_LT(took, 8s);

  auto again = scanner.scan_page();
  ASSERT_TRUE(again.ok()) << why(again);
  expect_grid(decode_png(again->png), 20);
}

// A saned frozen mid-page: reading gives up after the stall timeout, and the calls that end the
// scan (cancel, close, exit) are not waited on for the answer timeout, the outcome being known:
// they get the close timeout and the operator is told within seconds. (A saned can hang the same
// way in its backend's cancel after a jam or the page's end.)
TEST_F(ScannerSaned, EndingAScanWhoseOutcomeIsKnownWaitsOnlyTheCloseTimeout) {
  start(slow_page());
  ScannerOptions o = options_for(*sim_);
  o.stall_timeout = 1s;
  o.answer_timeout = 30s;
  o.close_timeout = 1s;
  DocumentScanner scanner(o);
  auto scan = std::async(std::launch::async, [&] { return scanner.scan_page(); });
  ASSERT_EQ(scan.wait_for(1500ms), std::future_status::timeout) << "the slow page should still be coming";
  sim_->pause();
  const auto paused_at = Clock::now();
  const bool ended = scan.wait_for(15s) == std::future_status::ready;
  const auto took = Clock::now() - paused_at;
  sim_->resume();
  ASSERT_TRUE(ended) << "the scan waits on the frozen daemon to let it go";
  auto r = scan.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ScanProblemKind::Unreachable) << r.error().detail;
  EXPECT_NE(r.error().detail.find("read: no data for 1000 ms"), std::string::npos) << r.error().detail;
  // The stall (1 s), then at most the close timeout twice (the cancel; the close and the exit).
  EXPECT_LT(took, 5s);

  // The daemon is free again.
  sim_->set_options({});
  auto again = scanner.scan_page();
  ASSERT_TRUE(again.ok()) << why(again);
  expect_grid(decode_png(again->png), 20);
}

// The operator leaves the form while the scanner hangs: cancel() ends the wait at once.
TEST_F(ScannerSaned, CancelEndsAWaitOnAHungSanedAtOnce) {
  start();
  ScannerOptions o = options_for(*sim_);
  o.answer_timeout = 60s;
  DocumentScanner scanner(o);
  sim_->pause();
  auto scan = std::async(std::launch::async, [&] { return scanner.scan_page(); });
  const bool waiting = scan.wait_for(1s) == std::future_status::timeout;
  const auto cancelled_at = Clock::now();
  scanner.cancel();
  const bool ended = scan.wait_for(10s) == std::future_status::ready;
  const auto took = Clock::now() - cancelled_at;
  sim_->resume();
  ASSERT_TRUE(waiting) << "the scan ended before the daemon could answer";
  ASSERT_TRUE(ended) << "cancel() did not end the wait";
  auto r = scan.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ScanProblemKind::Cancelled) << r.error().detail;
  EXPECT_LT(took, 3s);
}

TEST_F(ScannerSaned, CancelFromAnotherThreadEndsThePageAsCancelled) {
  start(slow_page());
  DocumentScanner scanner(options_for(*sim_));
  auto scan = std::async(std::launch::async, [&] { return scanner.scan_page(); });
  ASSERT_EQ(scan.wait_for(1500ms), std::future_status::timeout);
  scanner.cancel();
  ASSERT_EQ(scan.wait_for(5s), std::future_status::ready) << "cancel() did not end the scan";
  auto r = scan.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ScanProblemKind::Cancelled) << r.error().detail;
  EXPECT_EQ(r.error().message, "The scan was cancelled");

  // The scanner is free again.
  sim_->set_options({});
  auto again = scanner.scan_page();
  EXPECT_TRUE(again.ok()) << why(again);
}

}  // namespace
