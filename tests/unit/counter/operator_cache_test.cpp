// The counter's cache of operators, for checking a PIN when the centre server cannot be reached:
// a PIN the server accepted is accepted here, a wrong one is refused and counted (and the count
// survives a restart), an entry runs out after its time and is removed when the server refuses
// the operator; the file holds a hash, never the PIN.
#include "operator_cache.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "guichet/store/sqlite.hpp"
#include "guichet/testing/process.hpp"

using guichet::counter::CachedOperator;
using guichet::counter::OfflineCheck;
using guichet::counter::OperatorCache;
using guichet::testing::TempDir;
using Kind = OfflineCheck::Kind;

namespace {

constexpr std::int64_t kNow = 1'795'000'000'000;  // 2026-11-18
constexpr std::int64_t kHour = 3600LL * 1000;
constexpr std::int64_t kDay = 24 * kHour;

class OperatorCacheTest : public ::testing::Test {
 protected:
  std::string path() const { return (dir_ / "operators.sqlite").string(); }
  std::unique_ptr<OperatorCache> open(OperatorCache::Options o = {}) {
    return std::make_unique<OperatorCache>(path(), o);
  }

  TempDir dir_{"operator-cache"};
  const CachedOperator asha_{"op1", "Asha Verma", "operator"};
};

TEST_F(OperatorCacheTest, APinTheServerAcceptedIsAcceptedHereWithTheOperatorsName) {
  auto cache = open();
  cache->remember(asha_, "2468", kNow);
  const OfflineCheck ok = cache->check("op1", "2468", kNow + kHour);
  EXPECT_EQ(ok.kind, Kind::Accepted);
  EXPECT_EQ(ok.op.id, "op1");
  EXPECT_EQ(ok.op.name, "Asha Verma");
  EXPECT_EQ(ok.op.role, "operator");
  EXPECT_EQ(cache->check("op2", "2468", kNow).kind, Kind::Unknown);
}

TEST_F(OperatorCacheTest, TheFileHoldsAnArgon2idHashAndNeverThePin) {
  open()->remember(asha_, "97531", kNow);
  guichet::store::Db db(path());
  auto st = db.prepare("SELECT pin_hash FROM operators WHERE id = 'op1'");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.text(0).rfind("$argon2id$", 0), 0u) << st.text(0);
  std::ifstream in(path(), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.find("97531"), std::string::npos);
}

TEST_F(OperatorCacheTest, AWrongPinIsRefusedAndCountedAcrossARestartUntilTheOperatorWaits) {
  OperatorCache::Options o;
  o.free_failures = 3;
  o.first_wait = std::chrono::seconds(30);
  open(o)->remember(asha_, "2468", kNow);
  {
    auto cache = open(o);
    EXPECT_EQ(cache->check("op1", "1111", kNow).kind, Kind::WrongPin);
    EXPECT_EQ(cache->check("op1", "2222", kNow).failures, 2);
  }
  auto cache = open(o);  // the counter restarted: the count is kept
  const OfflineCheck third = cache->check("op1", "3333", kNow);
  EXPECT_EQ(third.kind, Kind::WrongPin);
  EXPECT_EQ(third.failures, 3);
  EXPECT_EQ(third.retry_after_ms, 30000);
  // Locked: even the right PIN waits.
  const OfflineCheck locked = cache->check("op1", "2468", kNow + 10000);
  EXPECT_EQ(locked.kind, Kind::LockedOut);
  EXPECT_EQ(locked.retry_after_ms, 20000);
  // After the wait, a further wrong PIN doubles it; the right one clears the count.
  EXPECT_EQ(cache->check("op1", "4444", kNow + 31000).retry_after_ms, 60000);
  EXPECT_EQ(cache->check("op1", "2468", kNow + 92000).kind, Kind::Accepted);
  EXPECT_EQ(cache->check("op1", "5555", kNow + 93000).failures, 1);
}

TEST_F(OperatorCacheTest, AnEntryRunsOutAfterItsTimeAndIsPurged) {
  OperatorCache::Options o;
  o.valid_for = std::chrono::hours(24 * 7);
  auto cache = open(o);
  cache->remember(asha_, "2468", kNow);
  EXPECT_EQ(cache->check("op1", "2468", kNow + 7 * kDay - 1).kind, Kind::Accepted);
  EXPECT_EQ(cache->check("op1", "2468", kNow + 7 * kDay).kind, Kind::Unknown);
  // A clock set back by more than an hour does not make an entry young again.
  EXPECT_EQ(cache->check("op1", "2468", kNow - 30 * 60 * 1000).kind, Kind::Accepted);
  EXPECT_EQ(cache->check("op1", "2468", kNow - 2 * kHour).kind, Kind::Unknown);
  cache->remember(CachedOperator{"op2", "Ravi Kumar", "operator"}, "1357", kNow + 6 * kDay);
  EXPECT_EQ(cache->purge(kNow + 7 * kDay), 1);
  EXPECT_EQ(cache->check("op1", "2468", kNow + 6 * kDay).kind, Kind::Unknown);
  EXPECT_EQ(cache->check("op2", "1357", kNow + 7 * kDay).kind, Kind::Accepted);
}

TEST_F(OperatorCacheTest, AnOperatorTheServerRefusedIsForgottenAndANewPinReplacesTheOld) {
  auto cache = open();
  cache->remember(asha_, "2468", kNow);
  cache->remember(asha_, "8642", kNow + kHour);  // the PIN was changed at the server
  EXPECT_EQ(cache->check("op1", "2468", kNow + kHour).kind, Kind::WrongPin);
  EXPECT_EQ(cache->check("op1", "8642", kNow + kHour).kind, Kind::Accepted);
  cache->forget("op1");
  EXPECT_EQ(cache->check("op1", "8642", kNow + kHour).kind, Kind::Unknown);
}

TEST_F(OperatorCacheTest, ADamagedFileIsRefusedWithItsPathNotStartedAfresh) {
  open()->remember(asha_, "2468", kNow);
  {
    std::fstream f(path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    const std::string junk(3000, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  try {
    open();
    FAIL() << "a damaged file was opened";
  } catch (const guichet::store::DbError& e) {
    EXPECT_NE(std::string(e.what()).find("operators.sqlite"), std::string::npos) << e.what();
  }
}

}  // namespace
