// What a terminal keeps of its printer for the centre: the last state found and how long ago,
// "news" when it changed (said at once), and the header value its requests carry.
#include <gtest/gtest.h>

#include <memory>

#include "guichet/sync/client.hpp"

namespace guichet::sync {
namespace {

using namespace std::chrono_literals;
using Clock = PrinterReporter::Clock;

TEST(PrinterReporter, SaysNothingBeforeTheFirstLookThenTheLastStateAndItsAge) {
  PrinterReporter r;
  const auto t0 = Clock::now();
  EXPECT_FALSE(r.report(t0).has_value());
  EXPECT_TRUE(r.found("ready", t0));  // the first state found is news
  EXPECT_EQ(r.report(t0 + 42s), (PrinterReport{"ready", 42}));
  EXPECT_FALSE(r.found("ready", t0 + 60s));  // the same again is not, and dates the look anew
  EXPECT_EQ(r.report(t0 + 61s), (PrinterReport{"ready", 1}));
  EXPECT_TRUE(r.found("paper_out", t0 + 70s));
  EXPECT_EQ(r.report(t0 + 70s), (PrinterReport{"paper_out", 0}));
  EXPECT_EQ(r.report(t0 + 60s)->checked_age_s, 0);  // never below zero
}

TEST(PrinterReporter, AWordThatIsNoStateIsNotKept) {
  PrinterReporter r;
  const auto t0 = Clock::now();
  EXPECT_FALSE(r.found("jammed", t0));
  EXPECT_FALSE(r.found("", t0));
  EXPECT_FALSE(r.report(t0).has_value());
  ASSERT_TRUE(r.found("cover_open", t0));
  EXPECT_FALSE(r.found("Cover open", t0 + 5s));
  EXPECT_EQ(r.report(t0 + 5s), (PrinterReport{"cover_open", 5}));
}

TEST(PrinterReporter, AnEndpointWithOneSaysItsStateAndOneWithoutSaysNothing) {
  ServerEndpoint endpoint{"http://127.0.0.1:1", "K1", "secret"};
  EXPECT_EQ(printer_report_of(endpoint), "");
  auto reporter = std::make_shared<PrinterReporter>();
  endpoint.printer = reporter;
  EXPECT_EQ(printer_report_of(endpoint), "");  // not looked at yet
  reporter->found("paper_low");
  const auto said = parse_printer_report(printer_report_of(endpoint));
  ASSERT_TRUE(said.has_value()) << printer_report_of(endpoint);
  EXPECT_EQ(said->state, "paper_low");
  EXPECT_LE(said->checked_age_s, 1);
}

}  // namespace
}  // namespace guichet::sync
