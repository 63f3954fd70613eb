// Number blocks leased to kiosks, so they can issue tokens while the centre node is unreachable.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "guichet/domain/queue.hpp"
#include "queue_fixture.hpp"

namespace guichet::domain {
namespace {

using testing::at;
using testing::make_catalogue;
using testing::plus_min;

const Instant kMon8 = at("2026-11-23T08:00");  // Monday, before opening
const Instant kMon10 = at("2026-11-23T10:00");

class LeaseTest : public ::testing::Test {
 protected:
  LeaseTest() : q(make_catalogue(), "2026-11-23") {}

  NumberLease lease(const std::string& service, const std::string& device, int count, Instant t = kMon8) {
    auto r = q.lease_numbers(service, device, count, t);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value() : NumberLease{};
  }
  QueueResult<QueueEvent> report(const std::string& service, const std::string& device, int number, Instant issued,
                                 Instant now, const std::string& priority = "") {
    return q.issue_leased({service, priority, "pa", device, number, issued}, now);
  }
  std::string issue(const std::string& service, Instant t) {
    auto r = q.issue({service, "", "en", "K9"}, t);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r->token.id : "";
  }
  template <class R>
  static QueueErrorKind kind(const R& r) {
    EXPECT_FALSE(r.ok());
    return r.ok() ? QueueErrorKind::InvalidState : r.error().kind;
  }

  Queue q;
};

TEST_F(LeaseTest, ALeaseTakesTheNextNumbersOutOfTheNumbering) {
  EXPECT_EQ(issue("birth", kMon10), "LDH01-20261123-A001");
  const NumberLease l = lease("birth", "K1", 20, kMon10);
  EXPECT_EQ(l.device, "K1");
  EXPECT_EQ(l.prefix, "A");
  EXPECT_EQ(l.business_day, "2026-11-23");
  EXPECT_EQ(l.first, 2);
  EXPECT_EQ(l.count, 20);
  EXPECT_TRUE(l.covers(2));
  EXPECT_TRUE(l.covers(21));
  EXPECT_FALSE(l.covers(22));
  // The node's own issues continue after the block.
  EXPECT_EQ(issue("birth", plus_min(kMon10, 1)), "LDH01-20261123-A022");
  const NumberLease l2 = lease("birth", "K2", 5, kMon10);
  EXPECT_EQ(l2.first, 23);
  ASSERT_EQ(q.leases().size(), 2u);
  EXPECT_EQ(q.leased_unused("birth"), 25);
}

TEST_F(LeaseTest, LeasingIsAllowedBeforeOpeningButNotForUnknownServicesOrOddSizes) {
  EXPECT_TRUE(q.lease_numbers("birth", "K1", 10, kMon8));  // doors not open yet
  EXPECT_EQ(kind(q.lease_numbers("passport", "K1", 10, kMon8)), QueueErrorKind::UnknownService);
  EXPECT_EQ(kind(q.lease_numbers("birth", "K1", 0, kMon8)), QueueErrorKind::BadLease);
  EXPECT_EQ(kind(q.lease_numbers("birth", "K1", kMaxLeaseNumbers + 1, kMon8)), QueueErrorKind::BadLease);
  EXPECT_EQ(kind(q.lease_numbers("birth", "", 5, kMon8)), QueueErrorKind::BadLease);
  EXPECT_NE(q.lease_numbers("birth", "K1", -3, kMon8).error().message.find("not -3"), std::string::npos);
}

TEST_F(LeaseTest, TheDailyCapCountsLeasedNumbersAndCutsTheBlock) {
  // income has a cap of 3.
  issue("income", kMon10);
  const NumberLease l = lease("income", "K1", 10, kMon10);
  EXPECT_EQ(l.count, 2);  // what the cap still allows
  EXPECT_EQ(kind(q.lease_numbers("income", "K2", 1, kMon10)), QueueErrorKind::DailyCapReached);
  // Nor can the node issue past the cap while the block's numbers are outstanding.
  EXPECT_EQ(kind(q.issue({"income", "", "en", "K9"}, kMon10)), QueueErrorKind::DailyCapReached);
  ASSERT_TRUE(report("income", "K1", l.first, kMon10, kMon10));
  EXPECT_EQ(q.leased_unused("income"), 1);
  EXPECT_EQ(q.issued_today("income"), 2);
}

TEST_F(LeaseTest, AReportedTokenTakesItsPlaceInLineByTheTimeItWasIssued) {
  const NumberLease l = lease("birth", "K1", 10);
  issue("birth", plus_min(kMon10, 0));  // A011 at 10:00
  issue("birth", plus_min(kMon10, 6));  // A012 at 10:06
  // The kiosk issued A001 at 10:03 while the node was unreachable, and reports it at 10:20.
  auto r = report("birth", "K1", l.first, plus_min(kMon10, 3), plus_min(kMon10, 20));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->type, EventType::Issued);
  EXPECT_EQ(r->token.id, "LDH01-20261123-A001");
  EXPECT_EQ(r->token.issued_by, "K1");
  EXPECT_EQ(r->token.language, "pa");
  EXPECT_EQ(r->token.issued_at, plus_min(kMon10, 3));
  EXPECT_NE(r->explanation.find("leased number block"), std::string::npos) << r->explanation;
  auto line = q.waiting_for_service("birth");
  ASSERT_EQ(line.size(), 3u);
  EXPECT_EQ(line[0]->display_number(), "A011");
  EXPECT_EQ(line[1]->display_number(), "A001");
  EXPECT_EQ(line[2]->display_number(), "A012");
  EXPECT_EQ(q.leased_unused("birth"), 9);
}

TEST_F(LeaseTest, NumbersOutsideTheDevicesBlocksOrAlreadyIssuedAreRefused) {
  const NumberLease l = lease("birth", "K1", 5);
  auto other = report("birth", "K2", l.first, kMon10, kMon10);
  EXPECT_EQ(kind(other), QueueErrorKind::NotLeased);
  EXPECT_NE(other.error().message.find("A001 is not in a number block leased to K2"), std::string::npos)
      << other.error().message;
  EXPECT_EQ(kind(report("birth", "K1", l.first + l.count, kMon10, kMon10)), QueueErrorKind::NotLeased);
  EXPECT_EQ(kind(report("income", "K1", l.first, kMon10, kMon10)), QueueErrorKind::NotLeased);  // other prefix
  EXPECT_EQ(kind(report("passport", "K1", l.first, kMon10, kMon10)), QueueErrorKind::UnknownService);
  ASSERT_TRUE(report("birth", "K1", l.first + 2, kMon10, kMon10));
  auto again = report("birth", "K1", l.first + 2, kMon10, kMon10);
  EXPECT_EQ(kind(again), QueueErrorKind::NumberTaken);
  EXPECT_EQ(q.tokens().size(), 1u);  // nothing recorded by the refusals
}

TEST_F(LeaseTest, WhatTheKioskCheckedIsNotRefusedAgain) {
  const NumberLease l = lease("birth", "K1", 5);
  // Reported after closing time (17:00), issued at 16:55: recorded all the same.
  const Instant evening = at("2026-11-23T18:30");
  auto late = report("birth", "K1", l.first, at("2026-11-23T16:55"), evening);
  ASSERT_TRUE(late) << late.error().message;
  // A priority the service no longer gives becomes a normal token, and the explanation says so.
  auto odd = report("birth", "K1", l.first + 1, at("2026-11-23T16:56"), evening, "ex-servicemen");
  ASSERT_TRUE(odd) << odd.error().message;
  EXPECT_FALSE(odd->token.is_priority());
  EXPECT_NE(odd->explanation.find("waits as normal"), std::string::npos) << odd->explanation;
  auto kept = report("birth", "K1", l.first + 2, at("2026-11-23T16:57"), evening, "elderly");
  ASSERT_TRUE(kept);
  EXPECT_TRUE(kept->token.is_priority());
}

TEST_F(LeaseTest, TheTimeOfIssueStaysBetweenTheLeaseAndNow) {
  const NumberLease l = lease("birth", "K1", 5, kMon10);
  // A kiosk clock an hour ahead cannot put the token behind citizens who came later.
  auto ahead = report("birth", "K1", l.first, plus_min(kMon10, 75), plus_min(kMon10, 15));
  ASSERT_TRUE(ahead);
  EXPECT_EQ(ahead->token.issued_at, plus_min(kMon10, 15));
  // One an hour behind cannot put it before the block existed.
  auto behind = report("birth", "K1", l.first + 1, plus_min(kMon10, -60), plus_min(kMon10, 15));
  ASSERT_TRUE(behind);
  EXPECT_EQ(behind->token.issued_at, kMon10);
}

TEST_F(LeaseTest, ARestoredQueueKeepsItsLeasesAndNeverReissuesTheirNumbers) {
  const NumberLease l = lease("birth", "K1", 10, kMon10);
  ASSERT_TRUE(report("birth", "K1", l.first + 4, kMon10, kMon10));
  Queue restored(make_catalogue(), "2026-11-23", q.tokens(), q.counters(), q.leases());
  ASSERT_EQ(restored.leases().size(), 1u);
  EXPECT_EQ(restored.leased_unused("birth"), 9);
  auto next = restored.issue({"birth", "", "en", "K9"}, plus_min(kMon10, 1));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->token.display_number(), "A011");  // not A006, which is in the block
  EXPECT_TRUE(restored.issue_leased({"birth", "", "en", "K1", l.first, kMon10}, plus_min(kMon10, 2)));
  // Leases of another day are not restored.
  NumberLease old = l;
  old.business_day = "2026-11-21";
  Queue other_day(make_catalogue(), "2026-11-23", {}, {}, {old});
  EXPECT_TRUE(other_day.leases().empty());
}

TEST_F(LeaseTest, LeasesEndWithTheirDay) {
  const NumberLease l = lease("birth", "K1", 10, kMon10);
  q.close_day("2026-11-24", "manager", at("2026-11-23T18:00"));
  EXPECT_TRUE(q.leases().empty());
  EXPECT_EQ(kind(q.issue_leased({"birth", "", "en", "K1", l.first, at("2026-11-24T10:00")}, at("2026-11-24T10:00"))),
            QueueErrorKind::NotLeased);
  // Reopening the same day keeps them.
  Queue same(make_catalogue(), "2026-11-23");
  ASSERT_TRUE(same.lease_numbers("birth", "K1", 3, kMon10));
  same.close_day("2026-11-23", "manager", plus_min(kMon10, 5));
  EXPECT_EQ(same.leases().size(), 1u);
}

// Randomized: kiosks lease blocks and issue from them while "offline", then report in any order
// (and sometimes twice); the node issues in between; restores happen at random. Invariants: no
// display number twice in a day; every number reported from a held block is recorded exactly
// once; numbers in blocks are never issued by the node; the node's numbering stays increasing.
TEST(LeaseRandom, NumbersStayUniqueWhateverTheOrder) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    auto cat = make_catalogue();
    Queue q(cat, "2026-11-23");
    std::map<std::string, std::vector<int>> unreported;  // device → numbers issued offline, not yet reported
    std::set<std::pair<std::string, int>> reported;      // (device, number)
    std::set<int> node_numbers;
    int node_last = 0;
    Instant now = at("2026-11-23T09:00");
    const std::vector<std::string> devices = {"K1", "K2", "K3"};
    for (int step = 0; step < 400; ++step) {
      now += std::chrono::seconds(20);
      const int op = static_cast<int>(rng() % 10);
      const std::string& dev = devices[rng() % devices.size()];
      if (op == 0) {
        auto l = q.lease_numbers("birth", dev, 1 + static_cast<int>(rng() % 12), now);
        ASSERT_TRUE(l) << "seed " << seed;
        for (int n = l->first; n < l->first + l->count; ++n) {
          // The kiosk issues some of them offline, in order.
          if (rng() % 3 != 0) unreported[dev].push_back(n);
        }
      } else if (op <= 4) {
        auto r = q.issue({"birth", "", "en", "K9"}, now);
        ASSERT_TRUE(r) << "seed " << seed;
        const int n = r->token.number;
        EXPECT_GT(n, node_last) << "seed " << seed;
        node_last = n;
        node_numbers.insert(n);
        for (const auto& l : q.leases()) EXPECT_FALSE(l.covers(n)) << "seed " << seed << " node issued leased " << n;
      } else if (op <= 7 && !unreported[dev].empty()) {
        auto& pending = unreported[dev];
        const std::size_t i = rng() % pending.size();  // any order
        const int n = pending[i];
        auto r = q.issue_leased({"birth", "", "en", dev, n, now - std::chrono::minutes(rng() % 30)}, now);
        ASSERT_TRUE(r) << "seed " << seed << " " << r.error().message;
        reported.insert({dev, n});
        pending.erase(pending.begin() + static_cast<long>(i));
      } else if (op == 8 && !reported.empty()) {
        // A replay that slipped past idempotency keys is refused, never a second token.
        auto it = reported.begin();
        std::advance(it, static_cast<long>(rng() % reported.size()));
        EXPECT_EQ(q.issue_leased({"birth", "", "en", it->first, it->second, now}, now).error().kind,
                  QueueErrorKind::NumberTaken);
      } else if (op == 9) {
        q = Queue(cat, "2026-11-23", q.tokens(), q.counters(), q.leases());
      }
    }
    std::set<std::string> ids;
    std::set<int> numbers;
    for (const auto& t : q.tokens()) {
      EXPECT_TRUE(ids.insert(t.id).second) << "seed " << seed << " duplicate " << t.id;
      EXPECT_TRUE(numbers.insert(t.number).second) << "seed " << seed << " duplicate number " << t.number;
    }
    EXPECT_EQ(q.tokens().size(), node_numbers.size() + reported.size()) << "seed " << seed;
    for (const auto& [dev, n] : reported) {
      const Token* t = q.find("LDH01-20261123-A" + std::string(n < 10 ? "00" : n < 100 ? "0" : "") + std::to_string(n));
      ASSERT_NE(t, nullptr) << "seed " << seed << " lost " << dev << " " << n;
      EXPECT_EQ(t->issued_by, dev);
    }
  }
}

}  // namespace
}  // namespace guichet::domain
