#include <gtest/gtest.h>

#include <functional>

#include "guichet/config/catalogue_loader.hpp"
#include "guichet/sync/protocol.hpp"

namespace guichet::sync {
namespace {

namespace d = guichet::domain;

d::Instant at(const std::string& iso) {
  d::Instant t;
  if (!d::parse_iso(iso, t)) throw std::invalid_argument(iso);
  return t;
}

d::Token full_token() {
  d::Token t;
  t.id = "LDH01-20261123-A042";
  t.service = "birth-certificate";
  t.prefix = "A";
  t.number = 42;
  t.priority = "elderly";
  t.language = "pa";
  t.business_day = "2026-11-23";
  t.issued_at = at("2026-11-23T09:05:00.250+05:30");
  t.state = d::TokenState::Serving;
  t.counter = "C2";
  t.target_counter = "C2";
  t.recalls = 1;
  t.called_at = at("2026-11-23T09:40:00+05:30");
  t.started_at = at("2026-11-23T09:41:30+05:30");
  t.carried_over = true;
  t.issued_by = "K1";
  return t;
}

// Runs `f` and returns the ProtocolError's message, or "" when nothing was thrown.
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ProtocolError& e) {
    return e.what();
  }
  return "";
}

TEST(ProtocolToken, FieldsAsDocumented) {
  const json j = to_json(full_token(), 330);
  for (const char* key :
       {"id", "service", "prefix", "number", "display", "spoken", "priority", "language", "business_day", "issued_at",
        "state", "counter", "recalls", "called_at", "started_at", "finished_at", "carried_over"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["display"], "A042");
  EXPECT_EQ(j["spoken"], "A 42");
  EXPECT_EQ(j["state"], "serving");
  EXPECT_EQ(j["issued_at"], "2026-11-23T09:05:00.250+05:30");
  EXPECT_EQ(j["called_at"], "2026-11-23T09:40:00+05:30");
  EXPECT_TRUE(j["finished_at"].is_null());
  EXPECT_EQ(j["number"], 42);
  EXPECT_EQ(j["carried_over"], true);
}

TEST(ProtocolToken, RoundTrip) {
  const d::Token t = full_token();
  const d::Token back = token_from_json(to_json(t, 330));
  EXPECT_EQ(back.id, t.id);
  EXPECT_EQ(back.service, t.service);
  EXPECT_EQ(back.prefix, t.prefix);
  EXPECT_EQ(back.number, t.number);
  EXPECT_EQ(back.priority, t.priority);
  EXPECT_EQ(back.language, t.language);
  EXPECT_EQ(back.business_day, t.business_day);
  EXPECT_EQ(back.issued_at, t.issued_at);
  EXPECT_EQ(back.state, t.state);
  EXPECT_EQ(back.counter, t.counter);
  EXPECT_EQ(back.target_counter, t.target_counter);
  EXPECT_EQ(back.recalls, t.recalls);
  EXPECT_EQ(back.called_at, t.called_at);
  EXPECT_EQ(back.started_at, t.started_at);
  EXPECT_EQ(back.finished_at, std::nullopt);
  EXPECT_EQ(back.carried_over, t.carried_over);
  EXPECT_EQ(back.issued_by, t.issued_by);
  // The offset used for writing does not change the instant read back.
  EXPECT_EQ(token_from_json(to_json(t, -180)).issued_at, t.issued_at);
}

TEST(ProtocolToken, OptionalFieldsMayBeAbsentOrNull) {
  const json j = {{"id", "LDH01-20261123-B001"},
                  {"service", "death-certificate"},
                  {"prefix", "B"},
                  {"number", 1},
                  {"business_day", "2026-11-23"},
                  {"issued_at", "2026-11-23T04:30:00Z"},
                  {"state", "waiting"},
                  {"called_at", nullptr},
                  {"counter", nullptr}};
  const d::Token t = token_from_json(j);
  EXPECT_EQ(t.state, d::TokenState::Waiting);
  EXPECT_EQ(t.issued_at, at("2026-11-23T10:00:00+05:30"));
  EXPECT_FALSE(t.called_at.has_value());
  EXPECT_TRUE(t.counter.empty());
  EXPECT_TRUE(t.priority.empty());
  EXPECT_EQ(t.recalls, 0);
  EXPECT_FALSE(t.carried_over);
}

TEST(ProtocolToken, RejectsBadFieldsNamingThem) {
  const json good = to_json(full_token(), 330);
  auto with = [&](const char* key, json value) {
    json j = good;
    j[key] = std::move(value);
    return error_of([&] { (void)token_from_json(j); });
  };
  auto without = [&](const char* key) {
    json j = good;
    j.erase(key);
    return error_of([&] { (void)token_from_json(j); });
  };
  EXPECT_EQ(without("id"), "token.id: missing");
  EXPECT_EQ(without("issued_at"), "token.issued_at: missing");
  EXPECT_EQ(without("state"), "token.state: missing");
  EXPECT_EQ(with("id", ""), "token.id: must not be empty");
  EXPECT_EQ(with("number", "42"), "token.number: expected an integer, got a string");
  EXPECT_EQ(with("number", 4.5), "token.number: expected an integer, got a number");
  EXPECT_EQ(with("number", -1), "token.number: must be between 0 and 2147483647, got -1");
  EXPECT_EQ(with("number", 99999999999), "token.number: must be between 0 and 2147483647, got 99999999999");
  EXPECT_EQ(with("state", "lost"), "token.state: unknown token state \"lost\"");
  EXPECT_EQ(with("issued_at", "yesterday"),
            "token.issued_at: expected an ISO 8601 time like 2026-11-23T09:05:00+05:30, got \"yesterday\"");
  EXPECT_EQ(with("called_at", 1700000000), "token.called_at: expected an ISO 8601 time string, got an integer");
  EXPECT_EQ(with("carried_over", "yes"), "token.carried_over: expected a boolean, got a string");
  EXPECT_EQ(with("priority", json::array()), "token.priority: expected a string, got an array");
  EXPECT_EQ(with("recalls", -2), "token.recalls: must be between 0 and 2147483647, got -2");
  EXPECT_EQ(error_of([] { (void)token_from_json(json::array()); }), "token: expected an object, got an array");
  EXPECT_EQ(with("display", "ignored"), "");  // derived fields are not read back
}

TEST(ProtocolWait, RoundTripAndRejects) {
  d::WaitEstimate w;
  w.ahead = 7;
  w.minutes = 21;
  w.service_minutes = 6.5;
  w.counters = 2;
  const json j = to_json(w);
  EXPECT_EQ(j["ahead"], 7);
  EXPECT_EQ(j["minutes"], 21);
  const d::WaitEstimate back = wait_from_json(j);
  EXPECT_EQ(back.ahead, 7);
  EXPECT_EQ(back.minutes, 21);
  EXPECT_DOUBLE_EQ(back.service_minutes, 6.5);
  EXPECT_EQ(back.counters, 2);
  EXPECT_EQ(wait_from_json(json{{"ahead", 0}, {"minutes", 0}}).counters, 0);
  EXPECT_EQ(error_of([] {
              (void)wait_from_json(json{{"ahead", -1}, {"minutes", 0}});
            }),
            "wait.ahead: must be between 0 and 2147483647, got -1");
  EXPECT_EQ(error_of([] { (void)wait_from_json(json{{"ahead", 1}}); }), "wait.minutes: missing");
  EXPECT_EQ(error_of([] {
              (void)wait_from_json(json{{"ahead", 1}, {"minutes", 2}, {"service_minutes", "6"}});
            }),
            "wait.service_minutes: expected a number >= 0");
}

TEST(ProtocolCounter, RoundTripAndRejects) {
  const d::CounterState c{"C3", "op-17", "LDH01-20261123-D004", 2};
  const json j = to_json(c);
  EXPECT_EQ(j["counter"], "C3");
  EXPECT_EQ(j["operator"], "op-17");
  EXPECT_EQ(j["open"], true);
  const d::CounterState back = counter_state_from_json(j);
  EXPECT_EQ(back.counter, c.counter);
  EXPECT_EQ(back.operator_id, c.operator_id);
  EXPECT_EQ(back.current_token, c.current_token);
  EXPECT_EQ(back.normal_since_priority, 2);
  EXPECT_EQ(to_json(d::CounterState{"C1", "", "", 0})["open"], false);
  EXPECT_EQ(error_of([] { (void)counter_state_from_json(json{{"operator", "x"}}); }), "counter.counter: missing");
  EXPECT_EQ(error_of([] {
              (void)counter_state_from_json(json{{"counter", "C1"}, {"normal_since_priority", "2"}});
            }),
            "counter.normal_since_priority: expected an integer, got a string");
}

TEST(ProtocolEvent, CallRoundTrip) {
  WireEvent w;
  w.seq = 1234567890123ULL;
  w.counter_number = 2;
  w.event.type = d::EventType::Called;
  w.event.token = full_token();
  w.event.token.state = d::TokenState::Called;
  w.event.counter = "C2";
  w.event.reason = d::CallReason::PriorityTurn;
  w.event.explanation = "2 normal calls since the last priority call (ratio 2:1): priority turn (Senior citizen)";
  w.event.at = at("2026-11-23T09:40:00+05:30");
  w.event.actor = "op-17";
  const json j = to_json(w, 330);
  EXPECT_EQ(j["type"], "called");
  EXPECT_EQ(j["reason"], "priority_turn");
  EXPECT_EQ(j["seq"], 1234567890123ULL);
  EXPECT_EQ(j["at"], "2026-11-23T09:40:00+05:30");
  EXPECT_EQ(j["token"]["display"], "A042");
  const WireEvent back = event_from_json(j);
  EXPECT_EQ(back.seq, w.seq);
  EXPECT_EQ(back.counter_number, 2);
  EXPECT_EQ(back.event.type, d::EventType::Called);
  EXPECT_EQ(back.event.token.id, w.event.token.id);
  EXPECT_EQ(back.event.token.state, d::TokenState::Called);
  EXPECT_EQ(back.event.counter, "C2");
  EXPECT_EQ(back.event.reason, d::CallReason::PriorityTurn);
  EXPECT_EQ(back.event.explanation, w.event.explanation);
  EXPECT_EQ(back.event.at, w.event.at);
  EXPECT_EQ(back.event.actor, "op-17");
  EXPECT_EQ(to_json(back, 330), j);
}

TEST(ProtocolEvent, CounterEventHasNoTokenOrReason) {
  WireEvent w;
  w.event.type = d::EventType::CounterOpened;
  w.event.counter = "C1";
  w.event.at = at("2026-11-23T09:00:00+05:30");
  w.event.actor = "op-1";
  const json j = to_json(w, 330);
  EXPECT_TRUE(j["token"].is_null());
  EXPECT_TRUE(j["reason"].is_null());
  EXPECT_EQ(j["type"], "counter_opened");
  const WireEvent back = event_from_json(j);
  EXPECT_TRUE(back.event.token.id.empty());
  EXPECT_FALSE(back.event.reason.has_value());
  EXPECT_EQ(back.seq, 0u);
}

TEST(ProtocolEvent, RejectsBadFieldsNamingThem) {
  WireEvent w;
  w.event.type = d::EventType::Called;
  w.event.token = full_token();
  w.event.reason = d::CallReason::FirstInLine;
  w.event.at = at("2026-11-23T09:40:00+05:30");
  const json good = to_json(w, 330);
  auto with = [&](const std::function<void(json&)>& change) {
    json j = good;
    change(j);
    return error_of([&] { (void)event_from_json(j); });
  };
  EXPECT_EQ(with([](json& j) { j["type"] = "teleported"; }), "event.type: unknown event type \"teleported\"");
  EXPECT_EQ(with([](json& j) { j["reason"] = "bribe"; }), "event.reason: unknown call reason \"bribe\"");
  EXPECT_EQ(with([](json& j) { j["reason"] = 3; }), "event.reason: expected a string, got an integer");
  EXPECT_EQ(with([](json& j) { j.erase("at"); }), "event.at: missing");
  EXPECT_EQ(with([](json& j) { j["seq"] = -5; }), "event.seq: must be between 0 and 9223372036854775807, got -5");
  EXPECT_EQ(with([](json& j) { j["token"]["issued_at"] = "soon"; }),
            "event.token.issued_at: expected an ISO 8601 time like 2026-11-23T09:05:00+05:30, got \"soon\"");
  EXPECT_EQ(with([](json& j) { j["token"] = "A042"; }), "event.token: expected an object, got a string");
  EXPECT_EQ(with([](json& j) { j["counter_number"] = true; }),
            "event.counter_number: expected an integer, got a boolean");
}

d::Catalogue demo() {
  auto r = config::load_catalogue(std::string(GUICHET_SOURCE_DIR) + "/sync-server/catalogue/demo-centre.toml");
  if (!r.ok()) throw std::runtime_error(r.error().to_string());
  return std::move(r.value());
}

TEST(ProtocolCatalogue, DemoRoundTrips) {
  const d::Catalogue c = demo();
  const json j = to_json(c);
  EXPECT_EQ(j["centre"]["id"], "LDH01");
  EXPECT_EQ(j["centre"]["utc_offset_minutes"], 330);
  EXPECT_EQ(j["policy"]["carry_over"], "next_day");
  EXPECT_EQ(j["services"][0]["hours"]["mon"][1], "14:00-17:00");
  EXPECT_TRUE(j["services"][0]["hours"]["sun"].empty());
  EXPECT_EQ(j["services"][0]["name"]["pa"], "ਜਨਮ ਸਰਟੀਫਿਕੇਟ");
  const d::Catalogue back = catalogue_from_json(j);
  EXPECT_EQ(to_json(back), j);
  ASSERT_EQ(back.services.size(), c.services.size());
  for (std::size_t i = 0; i < c.services.size(); ++i) {
    const auto& a = c.services[i];
    const auto& b = back.services[i];
    EXPECT_EQ(b.id, a.id);
    EXPECT_EQ(b.prefix, a.prefix);
    EXPECT_EQ(b.counters, a.counters);
    EXPECT_EQ(b.fee_minor, a.fee_minor);
    EXPECT_EQ(b.daily_cap, a.daily_cap);
    for (int wd = 0; wd < 7; ++wd) {
      for (int m = 0; m < 1440; m += 15) EXPECT_EQ(b.hours.open_at(wd, m), a.hours.open_at(wd, m));
    }
  }
  EXPECT_EQ(back.counter("C5")->location, c.counter("C5")->location);
  EXPECT_EQ(back.policy.max_wait_minutes, 45);
}

TEST(ProtocolCatalogue, RejectsBadFieldsNamingThem) {
  const json good = to_json(demo());
  auto with = [&](const std::function<void(json&)>& change) {
    json j = good;
    change(j);
    return error_of([&] { (void)catalogue_from_json(j); });
  };
  EXPECT_EQ(with([](json& j) { j["services"][2]["hours"]["mon"][0] = "9-5"; }),
            "catalogue.services[2].hours.mon[0]: expected a time range like \"09:00-13:30\"");
  EXPECT_EQ(with([](json& j) { j["services"][1]["hours"]["someday"] = json::array(); }),
            "catalogue.services[1].hours.someday: unknown weekday (expected mon, tue, wed, thu, fri, sat or sun)");
  EXPECT_EQ(with([](json& j) { j["departments"][0]["name"].erase("en"); }),
            "catalogue.departments[0].name.en: missing (English is always present)");
  EXPECT_EQ(with([](json& j) { j["policy"]["carry_over"] = "forever"; }),
            "catalogue.policy.carry_over: expected \"next_day\" or \"none\", got \"forever\"");
  EXPECT_EQ(with([](json& j) { j["centre"]["utc_offset_minutes"] = 2000; }),
            "catalogue.centre.utc_offset_minutes: must be between -840 and 840, got 2000");
  EXPECT_EQ(with([](json& j) { j["counters"][1]["number"] = "2"; }),
            "catalogue.counters[1].number: expected an integer, got a string");
  EXPECT_EQ(with([](json& j) { j["services"][0]["counters"][1] = 2; }),
            "catalogue.services[0].counters[1]: expected a string, got an integer");
  EXPECT_EQ(with([](json& j) { j.erase("services"); }), "catalogue.services: missing");
  EXPECT_EQ(with([](json& j) { j["centre"]["languages"] = "en"; }),
            "catalogue.centre.languages: expected an array of strings, got a string");
}

void expect_same_text(const d::LocalizedText& a, const d::LocalizedText& b, const std::string& what) {
  EXPECT_EQ(a.by_lang, b.by_lang) << what;
}

// Every field of the forms, documents and calendar, compared one by one (the catalogue types have
// no equality: a compiled pattern is compared by its source and by what it matches).
void expect_same_applications(const d::Catalogue& a, const d::Catalogue& b) {
  ASSERT_EQ(a.services.size(), b.services.size());
  for (std::size_t i = 0; i < a.services.size(); ++i) {
    const d::Service& sa = a.services[i];
    const d::Service& sb = b.services[i];
    SCOPED_TRACE(sa.id);
    ASSERT_EQ(sa.form.size(), sb.form.size());
    for (std::size_t k = 0; k < sa.form.size(); ++k) {
      const d::FormField& fa = sa.form[k];
      const d::FormField& fb = sb.form[k];
      SCOPED_TRACE(fa.id);
      EXPECT_EQ(fa.id, fb.id);
      EXPECT_EQ(fa.type, fb.type);
      expect_same_text(fa.label, fb.label, "label");
      EXPECT_EQ(fa.required, fb.required);
      expect_same_text(fa.help, fb.help, "help");
      EXPECT_EQ(fa.example, fb.example);
      EXPECT_EQ(fa.pattern.source(), fb.pattern.source());
      EXPECT_EQ(fa.pattern.empty(), fb.pattern.empty());
      for (const std::string& v : {fa.example, std::string("+919814012345"), std::string("12345"), std::string()}) {
        EXPECT_EQ(fa.pattern.matches(v), fb.pattern.matches(v)) << v;
      }
      EXPECT_EQ(fa.min_length, fb.min_length);
      EXPECT_EQ(fa.max_length, fb.max_length);
      EXPECT_EQ(fa.min, fb.min);
      EXPECT_EQ(fa.max, fb.max);
      EXPECT_EQ(fa.decimals, fb.decimals);
      EXPECT_EQ(fa.not_in_future, fb.not_in_future);
      ASSERT_EQ(fa.choices.size(), fb.choices.size());
      for (std::size_t c = 0; c < fa.choices.size(); ++c) {
        EXPECT_EQ(fa.choices[c].id, fb.choices[c].id);
        expect_same_text(fa.choices[c].label, fb.choices[c].label, "choice label");
      }
    }
    ASSERT_EQ(sa.documents.size(), sb.documents.size());
    for (std::size_t k = 0; k < sa.documents.size(); ++k) {
      EXPECT_EQ(sa.documents[k].id, sb.documents[k].id);
      expect_same_text(sa.documents[k].name, sb.documents[k].name, "document name");
      EXPECT_EQ(sa.documents[k].required, sb.documents[k].required);
      expect_same_text(sa.documents[k].help, sb.documents[k].help, "document help");
    }
  }
  EXPECT_EQ(a.calendar.working_weekdays, b.calendar.working_weekdays);
  EXPECT_EQ(a.calendar.extra_days_at_centre, b.calendar.extra_days_at_centre);
  ASSERT_EQ(a.calendar.holidays.size(), b.calendar.holidays.size());
  for (std::size_t k = 0; k < a.calendar.holidays.size(); ++k) {
    EXPECT_EQ(a.calendar.holidays[k].date, b.calendar.holidays[k].date);
    expect_same_text(a.calendar.holidays[k].name, b.calendar.holidays[k].name, "holiday name");
  }
}

TEST(ProtocolCatalogue, DemoFormsDocumentsAndCalendarRoundTrip) {
  const d::Catalogue c = demo();
  const json j = to_json(c);
  // The demo has all of it, so the comparison below compares something.
  std::size_t fields = 0, documents = 0, patterns = 0, choices = 0, ranges = 0, helps = 0;
  for (const auto& s : c.services) {
    documents += s.documents.size();
    for (const auto& f : s.form) {
      ++fields;
      patterns += f.pattern.empty() ? 0 : 1;
      choices += f.choices.size();
      ranges += f.min || f.max ? 1 : 0;
      helps += f.help.by_lang.empty() ? 0 : 1;
    }
  }
  EXPECT_GT(fields, 30u);
  EXPECT_GT(documents, 15u);
  EXPECT_GT(patterns, 0u);
  EXPECT_GT(choices, 0u);
  EXPECT_GT(ranges, 0u);
  EXPECT_GT(helps, 0u);
  EXPECT_GT(c.calendar.holidays.size(), 10u);
  EXPECT_EQ(c.calendar.extra_days_at_centre, 2);

  EXPECT_EQ(j["calendar"]["working_weekdays"], json({"mon", "tue", "wed", "thu", "fri", "sat"}));
  EXPECT_EQ(j["calendar"]["extra_days_at_centre"], 2);
  EXPECT_EQ(j["services"][0]["form"][0]["id"], "child-name");
  EXPECT_EQ(j["services"][0]["form"][0]["type"], "text");
  EXPECT_EQ(j["services"][0]["form"][0]["max_length"], 100);
  EXPECT_TRUE(j["services"][0]["form"][0]["min_length"].is_null());
  EXPECT_EQ(j["services"][0]["form"][1]["not_in_future"], true);
  EXPECT_EQ(j["services"][0]["form"][1]["example"], "14/04/2026");
  EXPECT_TRUE(j["services"][0]["form"][1]["help"].is_null());

  // Through text, as the server sends it and a terminal caches it.
  const d::Catalogue back = catalogue_from_json(json::parse(j.dump()));
  expect_same_applications(c, back);
  EXPECT_EQ(to_json(back), j);
}

TEST(ProtocolCatalogue, ACatalogueFromBeforeFormsStillReads) {
  json j = to_json(demo());
  j.erase("calendar");
  for (auto& s : j["services"]) {
    s.erase("form");
    s.erase("documents");
  }
  const d::Catalogue c = catalogue_from_json(j);
  EXPECT_TRUE(c.services[0].form.empty());
  EXPECT_TRUE(c.services[0].documents.empty());
  EXPECT_EQ(c.calendar.working_weekdays, d::WorkingCalendar{}.working_weekdays);
  EXPECT_TRUE(c.calendar.holidays.empty());
}

TEST(ProtocolCatalogue, RejectsBadFormsAndCalendarsNamingThem) {
  const json good = to_json(demo());
  auto with = [&](const std::function<void(json&)>& change) {
    json j = good;
    change(j);
    return error_of([&] { (void)catalogue_from_json(j); });
  };
  // The pattern's complaint is the domain's own sentence (see domain::Pattern::compile).
  const std::string bad_pattern = with([](json& j) { j["services"][0]["form"][0]["pattern"] = "([0-9]"; });
  EXPECT_EQ(
      bad_pattern.rfind(
          "catalogue.services[0].form[0].pattern: the pattern \"([0-9]\" does not compile: unbalanced parentheses", 0),
      0u)
      << bad_pattern;
  EXPECT_EQ(with([](json& j) { j["services"][0]["form"][0]["type"] = "colour"; }),
            "catalogue.services[0].form[0].type: unknown field type \"colour\" (expected text, number, date, phone, "
            "email, choice, yes_no or aadhaar)");
  EXPECT_EQ(with([](json& j) { j["services"][0]["form"][1]["id"] = "child-name"; }),
            "catalogue.services[0].form[1].id: duplicate field \"child-name\"");
  EXPECT_EQ(with([](json& j) { j["services"][0]["form"][2]["choices"] = json::array(); }),
            "catalogue.services[0].form[2].choices: a choice field needs choices");
  EXPECT_EQ(with([](json& j) { j["services"][0]["form"][0]["label"].erase("en"); }),
            "catalogue.services[0].form[0].label.en: missing (English is always present)");
  EXPECT_EQ(with([](json& j) { j["services"][0]["form"][0]["min_length"] = 200; }),
            "catalogue.services[0].form[0].min_length: is more than max_length (100)");
  EXPECT_EQ(with([](json& j) { j["services"][0]["form"][0]["max"] = "ten"; }),
            "catalogue.services[0].form[0].max: expected a number, got a string");
  EXPECT_EQ(with([](json& j) { j["services"][0]["documents"][0]["required"] = "yes"; }),
            "catalogue.services[0].documents[0].required: expected a boolean, got a string");
  EXPECT_EQ(with([](json& j) { j["calendar"]["holidays"][0]["date"] = "26/01/2026"; }),
            "catalogue.calendar.holidays[0].date: expected a date like \"2026-01-26\", got \"26/01/2026\"");
  EXPECT_EQ(with([](json& j) { j["calendar"]["holidays"][1]["date"] = j["calendar"]["holidays"][0]["date"]; }),
            "catalogue.calendar.holidays[1].date: a second holiday on " +
                good["calendar"]["holidays"][0]["date"].get<std::string>());
  EXPECT_EQ(with([](json& j) { j["calendar"]["working_weekdays"][0] = "monday"; }),
            "catalogue.calendar.working_weekdays[0]: unknown weekday \"monday\" (expected mon, tue, wed, thu, fri, "
            "sat or sun)");
  EXPECT_EQ(with([](json& j) { j["calendar"]["working_weekdays"] = json::array(); }),
            "catalogue.calendar.working_weekdays: at least one weekday must be a working day");
  EXPECT_EQ(with([](json& j) { j["calendar"]["extra_days_at_centre"] = -1; }),
            "catalogue.calendar.extra_days_at_centre: must be between 0 and 30, got -1");
}

TEST(OutboxReport, IsWrittenAndReadBack) {
  EXPECT_EQ(format_outbox_report({37, 720}), "pending=37, oldest-age=720");
  EXPECT_EQ(format_outbox_report({0, 0}), "pending=0, oldest-age=0");
  EXPECT_EQ(format_outbox_report({-3, -1}), "pending=0, oldest-age=0");  // never negative on the wire
  EXPECT_EQ(parse_outbox_report("pending=37, oldest-age=720"), (OutboxReport{37, 720}));
  EXPECT_EQ(parse_outbox_report("pending=37,oldest-age=720"), (OutboxReport{37, 720}));
  EXPECT_EQ(parse_outbox_report("pending=999999999999, oldest-age=0 "), (OutboxReport{999999999999, 0}));
}

TEST(OutboxReport, AnythingElseIsNotAReport) {
  for (const char* bad :
       {"", "pending=", "pending=3", "pending=3, oldest-age=", "pending=-3, oldest-age=1", "oldest-age=1, pending=3",
        "pending=3; oldest-age=1", "pending=3, oldest-age=1, more=2", "pending=1000000000000, oldest-age=1",
        "pending=3x, oldest-age=1", "PENDING=3, oldest-age=1", "pending=3, oldest-age=1.5"}) {
    EXPECT_FALSE(parse_outbox_report(bad).has_value()) << bad;
  }
}

TEST(DiskReport, IsWrittenAndReadBack) {
  EXPECT_EQ(format_disk_report(20'480), "free-mib=20480");
  EXPECT_EQ(format_disk_report(-5), "free-mib=0");
  EXPECT_EQ(format_disk_report(5'000'000'000'000), "free-mib=999999999999");
  EXPECT_EQ(parse_disk_report("free-mib=20480"), 20'480);
  EXPECT_EQ(parse_disk_report("free-mib=0  "), 0);
  EXPECT_EQ(parse_disk_report(format_disk_report(999'999'999'999)), 999'999'999'999);
}

TEST(DiskReport, AnythingElseIsNotAReport) {
  for (const char* bad : {"", "free-mib=", "free-mib=-1", "free-mib=1.5", "FREE-MIB=3", "free=3", " free-mib=3",
                          "free-mib=3, total-mib=9", "free-mib=1000000000000", "free-mib=3x"}) {
    EXPECT_FALSE(parse_disk_report(bad).has_value()) << bad;
  }
}

TEST(PrinterReport, IsWrittenAndReadBackForEveryState) {
  for (const char* state :
       {"ready", "paper_low", "paper_out", "cover_open", "offline", "printer_error", "not_responding", "unreachable"}) {
    const PrinterReport r{state, 42};
    EXPECT_TRUE(valid_printer_state(state)) << state;
    EXPECT_EQ(parse_printer_report(format_printer_report(r)), r) << state;
  }
  EXPECT_EQ(format_printer_report({"paper_out", 12}), "state=paper_out, checked-age=12");
  EXPECT_EQ(format_printer_report({"ready", -4}), "state=ready, checked-age=0");
  EXPECT_EQ(parse_printer_report("state=cover_open ,  checked-age=7 "), (PrinterReport{"cover_open", 7}));
  EXPECT_TRUE(printer_state_prints("ready"));
  EXPECT_TRUE(printer_state_prints("paper_low"));
  EXPECT_FALSE(printer_state_prints("paper_out"));
  EXPECT_FALSE(printer_state_prints("unreachable"));
}

TEST(PrinterReport, AnythingElseIsNotAReport) {
  for (const char* bad :
       {"", "state=", "state=ready", "state=ready, checked-age=", "state=jammed, checked-age=1",
        "state=READY, checked-age=1", "checked-age=1, state=ready", "state=ready; checked-age=1",
        "state=ready, checked-age=-1", "state=ready, checked-age=1000000000000", "state=ready, checked-age=1, more=2",
        "state=paper out, checked-age=1", " state=ready, checked-age=1", "state=ready\r\nX: y, checked-age=1"}) {
    EXPECT_FALSE(parse_printer_report(bad).has_value()) << bad;
  }
  EXPECT_FALSE(valid_printer_state("Ready"));
  EXPECT_FALSE(valid_printer_state(""));
}

TEST(ProtocolError, Body) {
  const json j = error_body("service_closed", "Birth certificate is closed now; it opens at 09:00");
  EXPECT_EQ(j.dump(),
            R"({"error":{"code":"service_closed","message":"Birth certificate is closed now; it opens at 09:00"}})");
}

}  // namespace
}  // namespace guichet::sync
