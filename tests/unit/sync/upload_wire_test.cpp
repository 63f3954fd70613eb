// The upload on the wire, terminal side: the body written as text must be the JSON the tree form
// gave, and the answer read without a tree must say what a full parse says.
#include "guichet/sync/upload_wire.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

using guichet::domain::HlcTime;
using guichet::sync::OutboxEntry;
using guichet::sync::wire::append_json_string;
using guichet::sync::wire::parse_upload_answer;
using guichet::sync::wire::upload_body;
using guichet::sync::wire::UploadAnswer;
using json = nlohmann::json;

namespace {

OutboxEntry entry(std::int64_t seq, std::string body, std::string bearer = {}) {
  OutboxEntry e;
  e.seq = seq;
  e.kind = "application.file";
  e.hlc = HlcTime{1'732'190'000'000 + seq, 2, "K1"};
  e.method = "POST";
  e.path = "/api/v1/applications";
  e.body = std::move(body);
  e.bearer = std::move(bearer);
  return e;
}

std::string as_json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

}  // namespace

TEST(UploadWire, StringsAreEscapedAsTheJsonLibraryPrintsThem) {
  const std::vector<std::string> samples = {
      "",
      "plain",
      R"({"name":"Zoë \"Z\" O'Brien","path":"C:\\files"})",
      // Every control character the escaper names, and a NUL inside (the literal's own length).
      []() {
        static constexpr char text[] = "tab\there, new\nline, cr\r, bs\b, ff\f, nul\0, unit\x1f, del\x7f";
        return std::string(text, sizeof text - 1);
      }(),
      "UTF-8 stays as it is: é, 中文, 🙂",
      "\\\\\"\"",
  };
  for (const std::string& s : samples) EXPECT_EQ(as_json_string(s), json(s).dump()) << s;
}

// Strings of every length around the eight-byte steps, the characters to escape anywhere in them.
TEST(UploadWire, EscapingHoldsAtEveryPosition) {
  const std::vector<std::string> pieces = {"a",    "Z",    " ", "~",  "\"",   "\\", "\n", std::string(1, '\0'),
                                           "\x1f", "\x7f", "é", "中", "🙂", "/",  "!"};
  std::mt19937 rng(20261122);
  for (int round = 0; round < 3000; ++round) {
    std::string s;
    const int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) s += pieces[rng() % 4 == 0 ? rng() % pieces.size() : rng() % 2];
    ASSERT_EQ(as_json_string(s), json(s).dump()) << json(s).dump();
  }
}

TEST(UploadWire, TheBodyIsTheJsonOfTheEntries) {
  const std::vector<OutboxEntry> entries = {entry(17, R"({"receipt":"LDH01-K1-000001","note":"a \"b\"\n"})"),
                                            entry(18, "{}", "operator-session"), entry(20, "")};
  const json parsed = json::parse(upload_body(entries));
  // What the engine sent when it built the body as a tree.
  json list = json::array();
  for (const OutboxEntry& e : entries) {
    json item = {{"seq", e.seq},       {"kind", e.kind}, {"hlc", guichet::domain::format_hlc(e.hlc)},
                 {"method", e.method}, {"path", e.path}, {"body", e.body}};
    if (!e.bearer.empty()) item["bearer"] = e.bearer;
    list.push_back(std::move(item));
  }
  EXPECT_EQ(parsed, (json{{"protocol", 1}, {"entries", list}}));
}

TEST(UploadWire, AnswersAreReadInOrderWithTheirBodiesAsTheServerWroteThem) {
  const std::vector<OutboxEntry> sent = {entry(17, "{}"), entry(18, "{}"), entry(19, "{}"), entry(20, "{}")};
  std::string body =
      R"({"protocol":1,"durable_through":20,"results":[)"
      R"({"seq":17,"status":201,"body":{"history":[{"at":"x","status":"received"}],"receipt":"LDH01-K1-000001"}},)"
      R"({"seq":18,"status":409,"body":"a text answer with \"quotes\""},)"
      R"({"body":[1,2],"seq":19,"status":200},)"
      R"({"seq":20,"status":422}],"server_hlc":"0001732190000123-0004-LDH01"})";
  const std::string original = body;
  UploadAnswer answer;
  std::string error;
  ASSERT_TRUE(parse_upload_answer(body, sent, answer, error)) << error;
  EXPECT_EQ(body, original);
  ASSERT_EQ(answer.answers.size(), 4u);
  EXPECT_EQ(answer.answers[0].seq, 17);
  EXPECT_EQ(answer.answers[0].status, 201);
  // Byte for byte what a parse and print of the result's body gives (the server writes that form).
  EXPECT_EQ(answer.answers[0].body, json::parse(original)["results"][0]["body"].dump());
  EXPECT_EQ(answer.answers[1].body, "a text answer with \"quotes\"");
  EXPECT_EQ(answer.answers[2].body, "[1,2]");
  EXPECT_EQ(answer.answers[3].body, "null");
  EXPECT_EQ(answer.answers[3].status, 422);
  EXPECT_EQ(answer.unanswered_seq, 0);
  ASSERT_TRUE(answer.server_hlc);
  EXPECT_EQ(*answer.server_hlc, (HlcTime{1'732'190'000'123, 4, "LDH01"}));
}

TEST(UploadWire, AnEntryWithoutAFinalAnswerStopsTheAnswersThere) {
  const std::vector<OutboxEntry> sent = {entry(1, "{}"), entry(2, "{}"), entry(3, "{}")};
  std::string body = R"({"results":[{"seq":1,"status":201,"body":{}},{"seq":2,"status":503,"body":{"error":{}}},)"
                     R"({"seq":3,"status":201,"body":{}}],"server_hlc":"not a time"})";
  UploadAnswer answer;
  std::string error;
  ASSERT_TRUE(parse_upload_answer(body, sent, answer, error)) << error;
  ASSERT_EQ(answer.answers.size(), 1u);
  EXPECT_EQ(answer.answers[0].seq, 1);
  EXPECT_EQ(answer.unanswered_seq, 2);
  EXPECT_EQ(answer.unanswered_status, 503);
  EXPECT_FALSE(answer.server_hlc);  // a damaged time is not taken
}

TEST(UploadWire, ResultsThatDoNotMatchTheEntriesSentAreNotTaken) {
  const std::vector<OutboxEntry> sent = {entry(1, "{}"), entry(2, "{}")};
  for (const char* text : {
           R"({"results":[{"seq":1,"status":201},{"seq":3,"status":201}]})",     // not the next entry
           R"({"results":[{"seq":1,"status":201},7]})",                          // not an object
           R"({"results":[{"seq":1,"status":201},{"seq":"2","status":201}]})",   // seq not a number
           R"({"results":[{"seq":1,"status":201},{"seq":2,"status":201},{}]})",  // more than were sent
       }) {
    std::string body = text;
    UploadAnswer answer;
    std::string error;
    ASSERT_TRUE(parse_upload_answer(body, sent, answer, error)) << text << ": " << error;
    ASSERT_GE(answer.answers.size(), 1u) << text;
    EXPECT_EQ(answer.answers[0].seq, 1) << text;
    if (std::string(text).find(R"({})") != std::string::npos) {
      EXPECT_EQ(answer.answers.size(), 2u) << text;
    } else {
      EXPECT_EQ(answer.answers.size(), 1u) << text;
    }
    EXPECT_EQ(answer.unanswered_seq, 0) << text;
  }
}

TEST(UploadWire, AnAnswerThatIsNotTheProtocolsIsRefusedWhole) {
  const std::vector<OutboxEntry> sent = {entry(1, "{}")};
  for (const char* text : {
           "",
           "[]",
           R"({"protocol":1})",
           R"({"results":{"seq":1}})",
           R"({"results":[{"seq":1,"status":201,"body":{"a":1}}, {"seq":2,)",
           "{\"results\":[{\"seq\":1,\"status\":201,\"body\":\"\xff\"}]}",
       }) {
    std::string body = text;
    UploadAnswer answer;
    std::string error;
    EXPECT_FALSE(parse_upload_answer(body, sent, answer, error)) << text;
    EXPECT_TRUE(answer.answers.empty()) << text;
    EXPECT_NE(error.find("not understood"), std::string::npos) << error;
  }
}
