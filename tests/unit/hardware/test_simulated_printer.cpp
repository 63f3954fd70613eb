// The simulator's printer model: replies, job boundaries, faults and lost bytes.
#include <gtest/gtest.h>

#include "guichet/hardware/escpos/encoder.hpp"
#include "guichet/hardware/printer_sim/simulated_printer.hpp"

namespace {

using namespace guichet::hardware;
using namespace guichet::hardware::printer_sim;

Bytes job_bytes(const std::string& text) {
  escpos::Encoder e;
  e.init().line(text).cut();
  return std::move(e).finish().value();
}

const Bytes kAllStatus = {0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 3, 0x10, 4, 4};

TEST(SimulatedPrinter, AnswersEachStatusRequestWithItsByte) {
  SimulatedPrinter p;
  Session s;
  auto r = p.receive(s, kAllStatus);
  EXPECT_EQ(r.replies, (Bytes{0x12, 0x12, 0x12, 0x12}));
  EXPECT_TRUE(r.jobs.empty());
  EXPECT_EQ(p.status_replies(), 4u);
  p.set_fault(Fault::paper_out);
  r = p.receive(s, kAllStatus);
  EXPECT_EQ(r.replies, (Bytes{0x1A, 0x32, 0x12, 0x7E}));
  p.clear_faults();
  p.set_fault(Fault::cover_open);
  r = p.receive(s, kAllStatus);
  EXPECT_EQ(r.replies, (Bytes{0x1A, 0x16, 0x12, 0x12}));
}

TEST(SimulatedPrinter, AJobEndsAtEachCut) {
  SimulatedPrinter p;
  Session s;
  Bytes stream = job_bytes("one");
  const Bytes second = job_bytes("two");
  stream.insert(stream.end(), kAllStatus.begin(), kAllStatus.end());
  stream.insert(stream.end(), second.begin(), second.end());
  auto r = p.receive(s, stream);
  ASSERT_EQ(r.jobs.size(), 2u);
  EXPECT_EQ(r.jobs[0], job_bytes("one"));
  EXPECT_EQ(r.jobs[1], second);  // the status requests between them are not part of a job
  EXPECT_EQ(r.replies.size(), 4u);
  EXPECT_EQ(p.jobs_printed(), 2u);
}

TEST(SimulatedPrinter, InputSplitAnywhereGivesTheSameResult) {
  Bytes stream = job_bytes("split");
  auto img = escpos::RasterImage::blank(24, 2);
  img.bits = {0x10, 0x04, 0x01, 0x1D, 0x56, 0x00};  // DLE EOT 1 and GS V 0 as image data
  escpos::Encoder e;
  e.raster(img).status_request(escpos::StatusRequest::paper).cut();
  const Bytes tail = std::move(e).finish().value();
  stream.insert(stream.end(), tail.begin(), tail.end());

  SimulatedPrinter p;
  Session s;
  Bytes replies;
  std::vector<Bytes> jobs;
  for (auto byte : stream) {
    auto r = p.receive(s, Bytes{byte});
    replies.insert(replies.end(), r.replies.begin(), r.replies.end());
    for (auto& j : r.jobs) jobs.push_back(j);
  }
  EXPECT_EQ(replies, (Bytes{0x12}));
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0], job_bytes("split"));
  EXPECT_EQ(jobs[1].size(), 8u + 6u + 3u);  // the raster with its embedded bytes, then the cut
}

TEST(SimulatedPrinter, PaperOutDiscardsTheJobButStillAnswers) {
  SimulatedPrinter p;
  Session s;
  p.set_fault(Fault::paper_out);
  EXPECT_FALSE(p.can_print());
  const Bytes job = job_bytes("lost");
  auto r = p.receive(s, job);
  EXPECT_TRUE(r.jobs.empty());
  EXPECT_EQ(p.bytes_lost(), job.size());
  r = p.receive(s, Bytes{0x10, 4, 4});
  EXPECT_EQ(r.replies, (Bytes{0x7E}));
  EXPECT_TRUE(p.end_session(s).empty());
  p.clear_faults();
  r = p.receive(s, job);
  EXPECT_EQ(r.jobs.size(), 1u);
}

TEST(SimulatedPrinter, UnresponsivePrinterNeitherAnswersNorPrints) {
  SimulatedPrinter p;
  Session s;
  p.set_fault(Fault::unresponsive);
  EXPECT_FALSE(p.responding());
  auto r = p.receive(s, kAllStatus);
  EXPECT_TRUE(r.replies.empty());
  r = p.receive(s, job_bytes("x"));
  EXPECT_TRUE(r.jobs.empty());
  EXPECT_GT(p.bytes_lost(), 0u);
}

TEST(SimulatedPrinter, PaperNearEndStillPrints) {
  SimulatedPrinter p;
  Session s;
  p.set_fault(Fault::paper_near_end);
  EXPECT_TRUE(p.can_print());
  auto r = p.receive(s, Bytes{0x10, 4, 4});
  EXPECT_EQ(r.replies, (Bytes{0x1E}));
  EXPECT_EQ(p.receive(s, job_bytes("ok")).jobs.size(), 1u);
}

TEST(SimulatedPrinter, ClosingTheConnectionEndsAnUnfinishedJob) {
  SimulatedPrinter p;
  Session s;
  const Bytes partial = {0x1B, 0x40, 'h', 'i', 0x0A, 0x1D, 0x76, 0x30, 0, 1, 0};  // GS v 0 cut short
  auto r = p.receive(s, partial);
  EXPECT_TRUE(r.jobs.empty());
  auto jobs = p.end_session(s);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0], partial);
  EXPECT_TRUE(p.end_session(s).empty());
}

}  // namespace
