// The server's direct JSON writer gives exactly the text of the protocol's to_json(…).dump().
#include <gtest/gtest.h>

#include <random>

#include "guichet/server/wire_json.hpp"

namespace guichet::server {
namespace {

domain::Token random_token(std::mt19937& rng) {
  auto pick = [&](std::initializer_list<const char*> options) {
    auto it = options.begin();
    std::advance(it, std::uniform_int_distribution<int>(0, static_cast<int>(options.size()) - 1)(rng));
    return std::string(*it);
  };
  auto instant = [&] {
    // Whole seconds and odd milliseconds, from 1970 to 2100.
    std::int64_t ms = std::uniform_int_distribution<std::int64_t>(0, 4'102'444'800'000)(rng);
    if (rng() % 2) ms -= ms % 1000;
    return domain::from_unix_ms(ms);
  };
  domain::Token t;
  t.id = pick({"LDH01-20261123-A042", "X-1", ""});
  t.service = pick({"birth-certificate", "ration-card"});
  t.prefix = pick({"A", "KZ"});
  t.number = std::uniform_int_distribution<int>(0, 1200)(rng);
  t.priority = pick({"", "elderly"});
  t.language = pick({"en", "pa", "ur"});
  t.business_day = pick({"2026-11-23", "1999-01-01"});
  t.issued_at = instant();
  t.state = static_cast<domain::TokenState>(rng() % 8);
  t.counter = pick({"", "C1"});
  t.target_counter = pick({"", "C5"});
  t.recalls = static_cast<int>(rng() % 3);
  if (rng() % 2) t.called_at = instant();
  if (rng() % 2) t.started_at = instant();
  if (rng() % 2) t.finished_at = instant();
  t.carried_over = rng() % 2;
  t.issued_by = pick({"K1", "D2"});
  return t;
}

TEST(WireJson, TokensAndEventsMatchTheProtocolText) {
  std::mt19937 rng(20261123);
  const int offsets[] = {0, 330, -300, 345, -570, 840, -720};
  for (int i = 0; i < 3000; ++i) {
    domain::Token t = random_token(rng);
    int offset = offsets[static_cast<std::size_t>(i) % std::size(offsets)];
    if (!t.id.empty()) {
      ASSERT_EQ(token_json(t, offset), sync::to_json(t, offset).dump());
    }

    sync::WireEvent w;
    w.seq = rng();
    w.counter_number = static_cast<int>(rng() % 20);
    w.event.type = static_cast<domain::EventType>(rng() % 14);
    w.event.token = t;
    w.event.counter = t.counter;
    if (rng() % 2) w.event.reason = static_cast<domain::CallReason>(rng() % 9);
    w.event.explanation = i % 3 == 0 ? "oldest normal token; 3 tokens were waiting"
                                     : "quote \" backslash \\ tab \t newline \n bell \x07 ਪੰਜਾਬੀ اردو";
    w.event.at = t.issued_at;
    w.event.actor = "op1";
    ASSERT_EQ(event_json(w, offset), sync::to_json(w, offset).dump()) << "case " << i;
  }
}

TEST(WireJson, TimesAreIsoWithTheCentresOffset) {
  std::string out;
  domain::Instant t;
  ASSERT_TRUE(domain::parse_iso("2026-11-23T09:05:00+05:30", t));
  append_iso_local(out, t, 330);
  EXPECT_EQ(out, "\"2026-11-23T09:05:00+05:30\"");
  out.clear();
  append_iso_local(out, t + domain::Millis(7), -90);
  EXPECT_EQ(out, "\"2026-11-23T02:05:00.007-01:30\"");
}

}  // namespace
}  // namespace guichet::server

namespace guichet::server {
namespace {

// Strings are written as nlohmann's dump writes them: the same escapes, UTF-8 as it is.
TEST(WireJson, StringsAreEscapedAsTheJsonTreePrintsThem) {
  std::vector<std::string> texts = {"", "plain", "ਪੰਜਾਬ", "\"", "\\", "a\"b\\c\"", "tail\n", "\x7f", "/"};
  std::string every_control;
  for (int c = 0; c < 0x20; ++c) every_control += static_cast<char>(c);
  texts.push_back(every_control);
  texts.push_back("mixed " + every_control + " text \"quoted\" ਮਾਂ\\");
  for (const std::string& t : texts) {
    std::string out = "x";
    append_json_string(out, t);
    EXPECT_EQ(out, "x" + nlohmann::json(t).dump());
  }
}

}  // namespace
}  // namespace guichet::server
