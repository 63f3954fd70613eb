// What the operator reads for each SANE status, and where in a scan the same status means
// different things (opening against reading).
#include <gtest/gtest.h>
#include <sane/sane.h>

#include "guichet/hardware/scanner/document_scanner.hpp"

namespace {

using guichet::hardware::scanner::operator_message;
using guichet::hardware::scanner::problem_for_status;
using guichet::hardware::scanner::ScanProblemKind;
using guichet::hardware::scanner::ScanStep;
using guichet::hardware::scanner::to_string;

struct Case {
  int status;
  ScanStep step;
  ScanProblemKind kind;
  const char* message;
};

class ScannerProblems : public ::testing::TestWithParam<Case> {};

TEST_P(ScannerProblems, StatusGivesTheProblemAndItsSentence) {
  const Case& c = GetParam();
  auto p = problem_for_status(c.status, c.step);
  EXPECT_EQ(to_string(p.kind), std::string(to_string(c.kind)));
  EXPECT_EQ(p.message, c.message);
  // The log line names the step and SANE's words.
  EXPECT_NE(p.detail.find(sane_strstatus(static_cast<SANE_Status>(c.status))), std::string::npos) << p.detail;
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, ScannerProblems,
    ::testing::Values(
        Case{SANE_STATUS_JAMMED, ScanStep::Read, ScanProblemKind::Jammed, "Paper jammed in the scanner"},
        Case{SANE_STATUS_JAMMED, ScanStep::Start, ScanProblemKind::Jammed, "Paper jammed in the scanner"},
        Case{SANE_STATUS_NO_DOCS, ScanStep::Start, ScanProblemKind::NoPaper, "No page in the scanner"},
        Case{SANE_STATUS_NO_DOCS, ScanStep::Read, ScanProblemKind::NoPaper, "No page in the scanner"},
        Case{SANE_STATUS_COVER_OPEN, ScanStep::Read, ScanProblemKind::CoverOpen, "The scanner's cover is open"},
        Case{SANE_STATUS_DEVICE_BUSY, ScanStep::Open, ScanProblemKind::Busy, "The scanner is busy"},
        Case{12, ScanStep::Start, ScanProblemKind::Busy, "The scanner is busy"},  // warming up
        Case{13, ScanStep::Start, ScanProblemKind::Busy, "The scanner is busy"},  // locked for transport
        Case{SANE_STATUS_CANCELLED, ScanStep::Read, ScanProblemKind::Cancelled, "The scan was cancelled"},
        Case{SANE_STATUS_INVAL, ScanStep::Open, ScanProblemKind::NoDevice, "No scanner was found"},
        Case{SANE_STATUS_INVAL, ScanStep::Configure, ScanProblemKind::Failed,
             "The scanner reported an error: Invalid argument"},
        Case{SANE_STATUS_IO_ERROR, ScanStep::Open, ScanProblemKind::Unreachable, "The scanner cannot be reached"},
        Case{SANE_STATUS_IO_ERROR, ScanStep::Read, ScanProblemKind::Failed,
             "The scanner reported an error: Error during device I/O"},
        Case{SANE_STATUS_NO_MEM, ScanStep::Read, ScanProblemKind::Failed,
             "The scanner reported an error: Out of memory"},
        Case{SANE_STATUS_ACCESS_DENIED, ScanStep::Open, ScanProblemKind::Failed,
             "The scanner reported an error: Access to resource has been denied"},
        Case{SANE_STATUS_UNSUPPORTED, ScanStep::Configure, ScanProblemKind::Failed,
             "The scanner reported an error: Operation not supported"}));

TEST(ScannerProblemWords, EveryKindHasAStableCodeAndASentence) {
  EXPECT_STREQ(to_string(ScanProblemKind::Unreachable), "unreachable");
  EXPECT_STREQ(to_string(ScanProblemKind::NoDevice), "no_device");
  EXPECT_STREQ(to_string(ScanProblemKind::Jammed), "jammed");
  EXPECT_STREQ(to_string(ScanProblemKind::NoPaper), "no_paper");
  EXPECT_STREQ(to_string(ScanProblemKind::CoverOpen), "cover_open");
  EXPECT_STREQ(to_string(ScanProblemKind::Busy), "busy");
  EXPECT_STREQ(to_string(ScanProblemKind::Cancelled), "cancelled");
  EXPECT_STREQ(to_string(ScanProblemKind::Failed), "failed");
  EXPECT_EQ(operator_message(ScanProblemKind::Failed), "The scanner reported an error");
  EXPECT_EQ(operator_message(ScanProblemKind::Unreachable, "ignored"), "The scanner cannot be reached");
}

}  // namespace
