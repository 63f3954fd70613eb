// The document scanner in a process of its own (ScannerProcess running guichet-scan) against
// SANE's network daemon serving the test backend: the page and the scanner's problems come through
// as they do in process; a helper frozen (as a USB driver stuck in the kernel leaves it), crashed,
// talking nonsense or missing is stopped or reported, and the next scan works.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include "../../unit/hardware/scanned_png.hpp"
#include "guichet/hardware/scanner/scan_wire.hpp"
#include "guichet/hardware/scanner/scanner_process.hpp"
#include "guichet/testing/saned.hpp"
#include "guichet/testing/wait.hpp"
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

const std::filesystem::path kHelper = GUICHET_SCAN_HELPER;

// A process of ours is gone (reaped, not a zombie): kill(pid, 0) says there is no such process.
bool gone_within(pid_t pid, std::chrono::milliseconds limit) {
  return guichet::testing::eventually([pid] { return ::kill(pid, 0) != 0 && errno == ESRCH; }, limit);
}

// The helper of the scan in progress, once it runs (0 if none started within 5 s).
pid_t helper_of(const ScannerProcess& scanner) {
  pid_t pid = 0;
  guichet::testing::eventually([&] { return (pid = scanner.helper_pid()) != 0; }, 5s);
  return pid;
}

// Waits for the scan to end; if it does not, kills its helper (so that the scan, and the test, end)
// and says so.
bool ends_within(std::future<ScanResult<ScannedPage>>& scan, std::chrono::milliseconds limit, pid_t helper) {
  if (scan.wait_for(limit) == std::future_status::ready) return true;
  ::kill(helper, SIGKILL);
  scan.wait();
  return false;
}

class ScannerProcessTest : public ::testing::Test {
 protected:
  void start(SanedOptions options = {}) {
    sim_ = std::make_unique<SanedSimulator>(std::move(options));
    ASSERT_TRUE(sim_->start()) << sim_->log();
  }
  ScannerOptions options() const {
    ScannerOptions o;
    o.device = sim_->device_name(0);
    o.config_dir = sim_->client_config_dir();
    return o;
  }
  // Short bounds: the helper's silence limit is 1 s + 0.5 s + 2 s.
  ScannerOptions short_bounds() const {
    ScannerOptions o = options();
    o.stall_timeout = 1s;
    o.answer_timeout = 1s;
    o.close_timeout = 500ms;
    return o;
  }
  // After a fault, the next scan through the same ScannerProcess is a whole page.
  void expect_next_scan_works(ScannerProcess& scanner) {
    sim_->set_options({});
    auto again = scanner.scan_page();
    ASSERT_TRUE(again.ok()) << why(again);
    EXPECT_EQ(again->width, 1574);
    EXPECT_TRUE(decode_png(again->png).error.empty());
  }
  std::unique_ptr<SanedSimulator> sim_;
};

TEST_F(ScannerProcessTest, APageComesThroughTheHelperAsItWouldInProcess) {
  start();
  ScannerProcess scanner(options(), kHelper);
  auto r = scanner.scan_page();
  ASSERT_TRUE(r.ok()) << why(r);
  EXPECT_EQ(r->width, 1574);
  EXPECT_EQ(r->height, 1574);
  EXPECT_EQ(r->dpi, 200);
  EXPECT_FALSE(r->color);
  auto img = decode_png(r->png);
  ASSERT_TRUE(img.error.empty()) << img.error;
  EXPECT_EQ(img.width, 1574);
  // The grid's top-left square is white, the one beside it black (10 mm = 78.7 px at 200 dpi).
  EXPECT_EQ(img.at(39, 39, 0), 255);
  EXPECT_EQ(img.at(118, 39, 0), 0);
  EXPECT_EQ(scanner.helper_pid(), 0);

  ScannerOptions color = options();
  color.mode = ScanMode::Color;
  color.resolution_dpi = 100;
  auto c = ScannerProcess(color, kHelper).scan_page();
  ASSERT_TRUE(c.ok()) << why(c);
  EXPECT_TRUE(c->color);
  EXPECT_EQ(c->dpi, 100);
  EXPECT_EQ(decode_png(c->png).channels, 3);
}

TEST_F(ScannerProcessTest, TheScannersProblemComesThroughWithItsWords) {
  SanedOptions o;
  o.read_status = "SANE_STATUS_JAMMED";
  start(o);
  ScannerProcess scanner(options(), kHelper);
  auto r = scanner.scan_page();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ScanProblemKind::Jammed) << r.error().detail;
  EXPECT_EQ(r.error().message, "Paper jammed in the scanner");
  EXPECT_NE(r.error().detail.find("Document feeder jammed"), std::string::npos) << r.error().detail;

  ScannerOptions unknown = options();
  unknown.device = sim_->device_name(3);
  auto none = ScannerProcess(unknown, kHelper).scan_page();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind, ScanProblemKind::NoDevice) << none.error().detail;
  EXPECT_EQ(none.error().message, "No scanner was found");

  expect_next_scan_works(scanner);
}

// What a USB driver stuck in the kernel does to the process it runs in, SIGSTOP does to the
// helper: nothing in it runs any more. It is stopped after the silence limit, and the operator is
// told the scanner cannot be reached.
TEST_F(ScannerProcessTest, AFrozenHelperIsStoppedAfterTheSilenceLimitAndTheNextScanWorks) {
  start(slow_page());
  ScannerProcess scanner(short_bounds(), kHelper);
  EXPECT_EQ(silence_limit(scanner.options()), 3500ms);
  auto scan = std::async(std::launch::async, [&] { return scanner.scan_page(); });
  const pid_t pid = helper_of(scanner);
  ASSERT_NE(pid, 0);
  ASSERT_EQ(scan.wait_for(1s), std::future_status::timeout) << "the slow page came in before the helper froze";
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  const auto frozen = Clock::now();
  ASSERT_TRUE(ends_within(scan, 15s, pid)) << "the scan still waits on the frozen helper";
  const auto took = Clock::now() - frozen;
  auto r = scan.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ScanProblemKind::Unreachable) << r.error().detail;
  EXPECT_EQ(r.error().message, "The scanner cannot be reached");
  EXPECT_NE(r.error().detail.find("did not answer for 3500 ms"), std::string::npos) << r.error().detail;
  EXPECT_NE(r.error().detail.find("stuck at read"), std::string::npos) << r.error().detail;
  EXPECT_GE(took, 3s);
  EXPECT_LT(took, 8s);
  EXPECT_TRUE(gone_within(pid, 5s)) << "the frozen helper was not killed and reaped";
  expect_next_scan_works(scanner);
}

// A driver that crashes (here a failed assertion's abort, which the sanitizer builds leave as it is)
// takes only the helper with it.
TEST_F(ScannerProcessTest, AHelperThatCrashesMidPageIsToldAndTheNextScanWorks) {
  start(slow_page());
  ScannerProcess scanner(short_bounds(), kHelper);
  auto scan = std::async(std::launch::async, [&] { return scanner.scan_page(); });
  const pid_t pid = helper_of(scanner);
  ASSERT_NE(pid, 0);
  ASSERT_EQ(scan.wait_for(1s), std::future_status::timeout);
  ASSERT_EQ(::kill(pid, SIGABRT), 0);
  ASSERT_TRUE(ends_within(scan, 5s, pid)) << "the crash was not seen";
  auto r = scan.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ScanProblemKind::Failed) << r.error().detail;
  EXPECT_EQ(r.error().message, "The scanner reported an error: its driver stopped");
  EXPECT_NE(r.error().detail.find("stopped on signal 6 (Aborted) without an answer"), std::string::npos)
      << r.error().detail;
  EXPECT_TRUE(gone_within(pid, 5s));
  expect_next_scan_works(scanner);
}

TEST_F(ScannerProcessTest, CancelReachesTheHelperAndEndsTheScanAtOnce) {
  start(slow_page());
  ScannerProcess scanner(options(), kHelper);
  auto scan = std::async(std::launch::async, [&] { return scanner.scan_page(); });
  const pid_t pid = helper_of(scanner);
  ASSERT_NE(pid, 0);
  ASSERT_EQ(scan.wait_for(1s), std::future_status::timeout);
  const auto asked = Clock::now();
  scanner.cancel();
  ASSERT_TRUE(ends_within(scan, 5s, pid)) << "the cancel did not end the scan";
  EXPECT_LT(Clock::now() - asked, 3s);
  auto r = scan.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ScanProblemKind::Cancelled) << r.error().detail;
  EXPECT_EQ(r.error().message, "The scan was cancelled");
  EXPECT_NE(r.error().detail.find("cancelled by the operator"), std::string::npos) << r.error().detail;
  EXPECT_TRUE(gone_within(pid, 5s));
  scanner.cancel();  // no scan: nothing happens
  expect_next_scan_works(scanner);
}

// A helper that cannot hear the cancel (frozen) is killed once the close timeout and the grace
// have passed: leaving the form never waits on it longer.
TEST_F(ScannerProcessTest, CancellingAFrozenHelperStopsItAfterTheCloseTimeout) {
  start(slow_page());
  ScannerOptions o = options();
  o.close_timeout = 500ms;  // the helper gets 0.5 s + 2 s after the cancel
  ScannerProcess scanner(o, kHelper);
  auto scan = std::async(std::launch::async, [&] { return scanner.scan_page(); });
  const pid_t pid = helper_of(scanner);
  ASSERT_NE(pid, 0);
  ASSERT_EQ(scan.wait_for(1s), std::future_status::timeout);
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  const auto asked = Clock::now();
  scanner.cancel();
  ASSERT_TRUE(ends_within(scan, 10s, pid)) << "the frozen helper was not stopped after the cancel";
  const auto took = Clock::now() - asked;
  auto r = scan.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ScanProblemKind::Cancelled) << r.error().detail;
  EXPECT_NE(r.error().detail.find("did not end within 2500 ms"), std::string::npos) << r.error().detail;
  EXPECT_GE(took, 2s);
  EXPECT_LT(took, 6s);
  EXPECT_TRUE(gone_within(pid, 5s));
  expect_next_scan_works(scanner);
}

TEST(ScannerProcessHelper, AMissingHelperIsAClearProblem) {
  auto r = ScannerProcess(ScannerOptions{}, "/nonexistent/guichet-scan").scan_page();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ScanProblemKind::Failed);
  EXPECT_EQ(r.error().message, "The scanner reported an error: its scanning program could not be started");
  EXPECT_EQ(r.error().detail,
            "scan: the scanning helper /nonexistent/guichet-scan could not be started: No such file or directory");
}

// A program that answers something else is refused at once, with where and what, and stopped.
TEST(ScannerProcessHelper, AHelperThatAnswersNonsenseIsRefusedAndStopped) {
  const auto dir = std::filesystem::temp_directory_path() / ("guichet-scan-nonsense-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto script = dir / "scan";
  {
    std::ofstream out(script);
    out << "#!/bin/sh\necho 'alive open'\necho 'hello there'\nexec sleep 30\n";
  }
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  const auto begin = Clock::now();
  auto r = ScannerProcess(ScannerOptions{}, script).scan_page();
  const auto took = Clock::now() - begin;
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ScanProblemKind::Failed);
  EXPECT_EQ(r.error().message, "The scanner reported an error: its scanning program answered something unreadable");
  EXPECT_EQ(r.error().detail, "scan: the scanning helper's answer is unreadable: byte 11: unknown line 'hello there'");
  EXPECT_LT(took, 5s);
}

// The helper's input closed (the counter gone): it cancels its scan, answers so and exits.
TEST_F(ScannerProcessTest, TheHelperCancelsWhenItsInputCloses) {
  start(slow_page());
  const std::string command = kHelper.string() + " --device '" + sim_->device_name(0) + "' --config-dir '" +
                              sim_->client_config_dir().string() + "' < /dev/null";
  const auto begin = Clock::now();
  FILE* helper = ::popen(command.c_str(), "r");
  ASSERT_NE(helper, nullptr);
  std::string answer;
  char chunk[4096];
  std::size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, helper)) > 0) answer.append(chunk, n);
  const int status = ::pclose(helper);
  EXPECT_LT(Clock::now() - begin, 5s);
  EXPECT_EQ(status, 0);
  ScanWireReader reader;
  ASSERT_EQ(reader.feed(answer), ScanWireReader::State::Done) << reader.error() << "\n" << answer;
  ASSERT_FALSE(reader.result()->ok());
  EXPECT_EQ(reader.result()->error().kind, ScanProblemKind::Cancelled) << reader.result()->error().detail;
  EXPECT_GE(reader.alive_count(), 1);
}

}  // namespace
