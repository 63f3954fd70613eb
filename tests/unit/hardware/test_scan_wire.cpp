// The scanning helper's answer on the wire: what guichet-scan writes reads back the same, in any
// pieces; anything else is refused with where and what.
#include <gtest/gtest.h>

#include <string>

#include "guichet/hardware/scanner/scan_wire.hpp"
#include "guichet/hardware/scanner/scanner_process.hpp"

namespace {

using namespace guichet::hardware::scanner;
using namespace std::chrono_literals;
using State = ScanWireReader::State;

ScannedPage sample_page() {
  ScannedPage p;
  p.png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', '\n', ' ', 7};
  p.width = 1574;
  p.height = 1338;
  p.dpi = 200;
  p.color = true;
  return p;
}

std::string refusal(const std::string& bytes) {
  ScanWireReader r;
  EXPECT_EQ(r.feed(bytes), State::Refused) << bytes;
  return r.error();
}

TEST(ScanWire, APageAfterSignsOfLifeReadsBackWholeOrByteByByte) {
  const ScannedPage page = sample_page();
  const std::string answer =
      alive_line(ScanStep::Init) + alive_line(ScanStep::Open) + alive_line(ScanStep::Read) + page_answer(page);
  for (const bool bytewise : {false, true}) {
    ScanWireReader r;
    State s = State::More;
    if (bytewise) {
      for (std::size_t i = 0; i < answer.size(); ++i) {
        s = r.feed(answer.substr(i, 1));
        if (i + 1 < answer.size()) {
          ASSERT_EQ(s, State::More) << "byte " << i;
        }
      }
    } else {
      s = r.feed(answer);
    }
    ASSERT_EQ(s, State::Done) << r.error();
    EXPECT_EQ(r.alive_count(), 3);
    EXPECT_EQ(r.last_step(), ScanStep::Read);
    ASSERT_TRUE(r.result().has_value());
    ASSERT_TRUE(r.result()->ok());
    const ScannedPage& got = r.result()->value();
    EXPECT_EQ(got.png, page.png);
    EXPECT_EQ(got.width, 1574);
    EXPECT_EQ(got.height, 1338);
    EXPECT_EQ(got.dpi, 200);
    EXPECT_TRUE(got.color);
  }
}

TEST(ScanWire, AProblemReadsBackWithItsWordsEvenWithNewlinesAndSpaces) {
  ScanProblem p{ScanProblemKind::Jammed, "Paper jammed in the scanner",
                "read: Document feeder jammed\nnet:127.0.0.9:test:0"};
  ScanWireReader r;
  ASSERT_EQ(r.feed(problem_answer(p)), State::Done) << r.error();
  ASSERT_FALSE(r.result()->ok());
  EXPECT_EQ(r.result()->error().kind, ScanProblemKind::Jammed);
  EXPECT_EQ(r.result()->error().message, p.message);
  EXPECT_EQ(r.result()->error().detail, p.detail);
  EXPECT_EQ(r.alive_count(), 0);

  ScanWireReader empty;
  ASSERT_EQ(empty.feed(problem_answer({ScanProblemKind::Cancelled, "", ""})), State::Done) << empty.error();
  EXPECT_EQ(empty.result()->error().kind, ScanProblemKind::Cancelled);
}

TEST(ScanWire, EveryStepAndProblemHasAWordThatReadsBack) {
  for (const ScanStep s : {ScanStep::Init, ScanStep::Open, ScanStep::Configure, ScanStep::Start, ScanStep::Read}) {
    EXPECT_EQ(step_from_word(step_word(s)), s) << step_word(s);
  }
  for (const ScanProblemKind k :
       {ScanProblemKind::Unreachable, ScanProblemKind::NoDevice, ScanProblemKind::Jammed, ScanProblemKind::NoPaper,
        ScanProblemKind::CoverOpen, ScanProblemKind::Busy, ScanProblemKind::Cancelled, ScanProblemKind::Failed}) {
    EXPECT_EQ(problem_kind_from_word(to_string(k)), k) << to_string(k);
  }
  EXPECT_FALSE(step_from_word("scan"));
  EXPECT_FALSE(problem_kind_from_word("Jammed"));
}

TEST(ScanWire, MalformedAnswersAreRefusedSayingWhereAndWhat) {
  EXPECT_EQ(refusal("hello there\n"), "byte 0: unknown line 'hello there'");
  EXPECT_EQ(refusal("alive open\nalive\n"), "byte 11: 'alive' takes one step");
  EXPECT_EQ(refusal("alive warming\n"), "byte 0: unknown step 'warming'");
  EXPECT_EQ(refusal("page 0 10 200 0 4\n"), "byte 0: the page's width, height and dpi must be positive numbers");
  EXPECT_EQ(refusal("page 10 10 200 2 4\n"), "byte 0: the page's colour must be 0 or 1");
  EXPECT_EQ(refusal("page 10 10 200 0 0\n"), "byte 0: the page's size must be between 1 and 536870912 bytes");
  EXPECT_EQ(refusal("page 10 10 200 0 536870913\n"), "byte 0: the page's size must be between 1 and 536870912 bytes");
  EXPECT_EQ(refusal("page 10 10 200 0 04\n"), "byte 0: the page's size must be between 1 and 536870912 bytes");
  EXPECT_EQ(refusal("page 10 10 -200 0 4\n"), "byte 0: the page's width, height and dpi must be positive numbers");
  EXPECT_EQ(refusal("alive init\npage 10 10 200 0 9\nGIF89a..."), "byte 30: the page is not a PNG");
  EXPECT_EQ(refusal("problem melted 0 0\n"), "byte 0: unknown problem 'melted'");
  EXPECT_EQ(refusal("problem jammed 5\n"), "byte 0: 'problem' takes a kind and two sizes");
  EXPECT_EQ(refusal("problem jammed 70000 0\n"), "byte 0: the problem's sizes must be numbers up to 65536");
  EXPECT_EQ(refusal(problem_answer({ScanProblemKind::Busy, "The scanner is busy", ""}) + "alive read\n"),
            "byte 37: 11 bytes after the end of the answer");
  EXPECT_EQ(refusal(std::string(201, 'a')), "byte 0: a line longer than 200 bytes");
}

TEST(ScanWire, AnAnswerCutShortIsStillIncomplete) {
  const std::string answer = page_answer(sample_page());
  ScanWireReader r;
  EXPECT_EQ(r.feed(answer.substr(0, answer.size() - 1)), State::More);
  EXPECT_FALSE(r.result().has_value());
  EXPECT_EQ(r.feed(answer.substr(answer.size() - 1)), State::Done);
}

TEST(ScannerProcessLimits, TheSilenceLimitIsTheScansLongestBoundThenTheCloseTimeoutAndTwoSeconds) {
  ScannerOptions o;
  EXPECT_EQ(silence_limit(o), 65000ms);  // 60 s answer, 3 s close, 2 s
  o.stall_timeout = 90s;
  o.close_timeout = 1s;
  EXPECT_EQ(silence_limit(o), 93000ms);
}

}  // namespace
