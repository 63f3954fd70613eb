// The issuing pipeline against fake ports: every printer and server outcome, both policies, and
// the rule that no token the server counted is left undelivered.
#include "issuer.hpp"

#include <gtest/gtest.h>

using namespace guichet;
using namespace guichet::kiosk;

namespace {

struct FakePrinter : PrinterPort {
  PrinterCheck status_result;
  PrinterCheck print_result;
  int status_calls = 0;
  std::vector<std::vector<std::uint8_t>> printed;
  PrinterCheck status() override {
    ++status_calls;
    return status_result;
  }
  PrinterCheck print(const std::vector<std::uint8_t>& job) override {
    if (print_result.ok) printed.push_back(job);
    return print_result;
  }
};

struct FakeTokens : TokenPort {
  TokenRequest next;
  int requests = 0;
  std::vector<std::string> delivered_ids, cancelled_ids;
  TokenRequest request(const std::string& service, const std::string& priority, const std::string& language) override {
    ++requests;
    last_service = service;
    last_priority = priority;
    last_language = language;
    return next;
  }
  void delivered(const IssuedToken& t) override { delivered_ids.push_back(t.token.id); }
  CancelOutcome cancel(const IssuedToken& t) override {
    cancelled_ids.push_back(t.token.id);
    return {true, {}};
  }
  std::string last_service, last_priority, last_language;
};

TokenRequest issued(int number) {
  TokenRequest r;
  r.kind = TokenRequest::Kind::Issued;
  r.issued.token.id = "LDH01-20261123-A0" + std::to_string(number);
  r.issued.token.prefix = "A";
  r.issued.token.number = number;
  r.issued.wait.ahead = 3;
  r.issued.wait.minutes = 12;
  r.issued.seq = 7;
  return r;
}

SlipBuilder slip_ok() {
  return [](const IssuedToken& t, std::string&) {
    return std::optional<std::vector<std::uint8_t>>(std::vector<std::uint8_t>(t.token.id.begin(), t.token.id.end()));
  };
}

IssueInput input(PrinterPolicy p) { return IssueInput{"birth-certificate", "elderly", "fr", p}; }

}  // namespace

TEST(Issuer, PrintsAndMarksDelivered) {
  FakePrinter printer;
  FakeTokens tokens;
  tokens.next = issued(42);
  auto r = issue_token(printer, tokens, slip_ok(), input(PrinterPolicy::Stop));
  EXPECT_EQ(r.kind, IssueResult::Kind::Printed);
  EXPECT_EQ(r.display_number, "A042");
  EXPECT_EQ(r.token_id, "LDH01-20261123-A042");
  EXPECT_EQ(r.ahead, 3);
  EXPECT_EQ(r.minutes, 12);
  EXPECT_EQ(tokens.last_service, "birth-certificate");
  EXPECT_EQ(tokens.last_priority, "elderly");
  EXPECT_EQ(tokens.last_language, "fr");
  ASSERT_EQ(printer.printed.size(), 1u);
  EXPECT_EQ(std::string(printer.printed[0].begin(), printer.printed[0].end()), "LDH01-20261123-A042");
  EXPECT_EQ(tokens.delivered_ids, std::vector<std::string>{"LDH01-20261123-A042"});
  EXPECT_TRUE(tokens.cancelled_ids.empty());
}

TEST(Issuer, StopPolicyPrinterFaultIssuesNothing) {
  FakePrinter printer;
  printer.status_result = {false, "Printer out of paper"};
  FakeTokens tokens;
  tokens.next = issued(42);
  auto r = issue_token(printer, tokens, slip_ok(), input(PrinterPolicy::Stop));
  EXPECT_EQ(r.kind, IssueResult::Kind::PrinterFault);
  EXPECT_EQ(r.detail, "Printer out of paper");
  EXPECT_EQ(tokens.requests, 0) << "the server must not count a token that cannot come out";
}

TEST(Issuer, ScreenPolicyPrinterFaultShowsTheNumber) {
  FakePrinter printer;
  printer.status_result = {false, "Printer cover open"};
  FakeTokens tokens;
  tokens.next = issued(43);
  auto r = issue_token(printer, tokens, slip_ok(), input(PrinterPolicy::Screen));
  EXPECT_EQ(r.kind, IssueResult::Kind::OnScreen);
  EXPECT_EQ(r.display_number, "A043");
  EXPECT_EQ(r.detail, "Printer cover open");
  EXPECT_TRUE(printer.printed.empty()) << "no job is sent to a printer that said it cannot print";
  EXPECT_EQ(tokens.delivered_ids.size(), 1u) << "shown on screen counts as delivered";
}

TEST(Issuer, PrintFailureAfterIssueFollowsThePolicy) {
  {
    FakePrinter printer;
    printer.print_result = {false, "Printer out of paper"};
    FakeTokens tokens;
    tokens.next = issued(44);
    auto r = issue_token(printer, tokens, slip_ok(), input(PrinterPolicy::Stop));
    EXPECT_EQ(r.kind, IssueResult::Kind::PrintFailed);
    EXPECT_EQ(r.detail, "Printer out of paper");
    EXPECT_EQ(tokens.cancelled_ids, std::vector<std::string>{"LDH01-20261123-A044"});
    EXPECT_TRUE(tokens.delivered_ids.empty());
  }
  {
    FakePrinter printer;
    printer.print_result = {false, "Printer not responding"};
    FakeTokens tokens;
    tokens.next = issued(45);
    auto r = issue_token(printer, tokens, slip_ok(), input(PrinterPolicy::Screen));
    EXPECT_EQ(r.kind, IssueResult::Kind::OnScreen);
    EXPECT_EQ(r.display_number, "A045");
    EXPECT_TRUE(tokens.cancelled_ids.empty());
    EXPECT_EQ(tokens.delivered_ids.size(), 1u);
  }
}

TEST(Issuer, SlipThatCannotBeBuiltCountsAsAPrintFailure) {
  FakePrinter printer;
  FakeTokens tokens;
  tokens.next = issued(46);
  SlipBuilder broken = [](const IssuedToken&, std::string& problem) -> std::optional<std::vector<std::uint8_t>> {
    problem = "text the printer cannot print";
    return std::nullopt;
  };
  auto r = issue_token(printer, tokens, broken, input(PrinterPolicy::Stop));
  EXPECT_EQ(r.kind, IssueResult::Kind::PrintFailed);
  EXPECT_EQ(r.detail, "text the printer cannot print");
  EXPECT_EQ(tokens.cancelled_ids.size(), 1u);
}

TEST(Issuer, ServerRefusalOrSilenceIssuesNothing) {
  FakePrinter printer;
  FakeTokens tokens;
  tokens.next.kind = TokenRequest::Kind::Refused;
  tokens.next.message = "Daily cap reached";
  auto r = issue_token(printer, tokens, slip_ok(), input(PrinterPolicy::Stop));
  EXPECT_EQ(r.kind, IssueResult::Kind::Refused);
  EXPECT_EQ(r.detail, "Daily cap reached");
  tokens.next.kind = TokenRequest::Kind::Unreachable;
  tokens.next.message = "connection refused";
  r = issue_token(printer, tokens, slip_ok(), input(PrinterPolicy::Screen));
  EXPECT_EQ(r.kind, IssueResult::Kind::Unreachable);
  EXPECT_TRUE(printer.printed.empty());
  EXPECT_TRUE(tokens.delivered_ids.empty());
  EXPECT_TRUE(tokens.cancelled_ids.empty());
}

TEST(PrinterSpec, ParsesAndRefuses) {
  auto tcp = parse_printer_spec("tcp:127.0.0.1:9100");
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(tcp.value().kind, PrinterSpec::Kind::Tcp);
  EXPECT_EQ(tcp.value().host, "127.0.0.1");
  EXPECT_EQ(tcp.value().port, 9100);
  auto file = parse_printer_spec("file:/tmp/slips.bin");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file.value().kind, PrinterSpec::Kind::File);
  EXPECT_EQ(file.value().path, "/tmp/slips.bin");
  for (const char* bad :
       {"usb:1", "tcp:127.0.0.1", "tcp::9100", "tcp:host:0", "tcp:host:70000", "tcp:host:91x", "file:", ""}) {
    auto r = parse_printer_spec(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().find("--printer"), std::string::npos) << r.error();
  }
}
