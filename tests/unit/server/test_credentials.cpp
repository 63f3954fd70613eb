// Device secrets, PIN hashes and the PIN throttling policy.
#include <gtest/gtest.h>

#include <set>

#include "guichet/server/credentials.hpp"
#include "guichet/server/throttle.hpp"

namespace guichet::server {
namespace {

TEST(Credentials, RandomHexHasTheRequestedLengthAndDiffers) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    std::string s = random_hex(32);
    EXPECT_EQ(s.size(), 64u);
    EXPECT_EQ(s.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST(Credentials, SecretHashMatchesOnlyTheSecret) {
  std::string secret = random_hex(32);
  std::string hash = secret_hash(secret);
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_NE(hash, secret);
  EXPECT_TRUE(secret_matches(secret, hash));
  std::string wrong = secret;
  wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(secret_matches(wrong, hash));
  EXPECT_FALSE(secret_matches(secret, hash.substr(1)));
  EXPECT_FALSE(secret_matches("", hash));
}

TEST(Credentials, PinFormat) {
  EXPECT_FALSE(pin_format_problem("1234").has_value());
  EXPECT_FALSE(pin_format_problem("123456789012").has_value());
  EXPECT_TRUE(pin_format_problem("123").has_value());
  EXPECT_TRUE(pin_format_problem("1234567890123").has_value());
  EXPECT_TRUE(pin_format_problem("12a4").has_value());
}

TEST(Credentials, PinsAreArgon2idHashes) {
  std::string hash = hash_pin("4821");
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  EXPECT_EQ(hash.find("4821"), std::string::npos);
  EXPECT_TRUE(verify_pin("4821", hash));
  EXPECT_FALSE(verify_pin("4822", hash));
  EXPECT_NE(hash_pin("4821"), hash);  // salted
  EXPECT_FALSE(verify_pin("4821", decoy_pin_hash()));
}

TEST(Throttle, FirstFailuresAreFreeThenTheLockoutDoubles) {
  ThrottlePolicy policy;  // 3 free, 1 s base, 15 min cap
  PinFailures f;
  f = after_failure(f, policy, 1000);
  EXPECT_FALSE(lockout_remaining(f, 1000).has_value());
  f = after_failure(f, policy, 2000);
  EXPECT_FALSE(lockout_remaining(f, 2000).has_value());
  f = after_failure(f, policy, 3000);  // third wrong PIN: the next attempt must wait 1 s
  ASSERT_TRUE(lockout_remaining(f, 3000).has_value());
  EXPECT_EQ(lockout_remaining(f, 3000)->count(), 1000);
  EXPECT_EQ(lockout_remaining(f, 3500)->count(), 500);
  EXPECT_FALSE(lockout_remaining(f, 4000).has_value());
  f = after_failure(f, policy, 4000);
  EXPECT_EQ(lockout_remaining(f, 4000)->count(), 2000);
  f = after_failure(f, policy, 7000);
  EXPECT_EQ(lockout_remaining(f, 7000)->count(), 4000);
  EXPECT_EQ(f.failures, 5);
  EXPECT_EQ(f.last_failure_ms, 7000);
}

TEST(Throttle, LockoutStopsAtTheCap) {
  ThrottlePolicy policy;
  policy.cap = std::chrono::seconds(60);
  PinFailures f;
  for (int i = 0; i < 200; ++i) f = after_failure(f, policy, 1000);
  EXPECT_EQ(lockout_remaining(f, 1000)->count(), 60000);
}

TEST(Throttle, RetryAfterRoundsUp) {
  EXPECT_EQ(retry_after_seconds(std::chrono::milliseconds(1)), 1);
  EXPECT_EQ(retry_after_seconds(std::chrono::milliseconds(1000)), 1);
  EXPECT_EQ(retry_after_seconds(std::chrono::milliseconds(1001)), 2);
  EXPECT_EQ(retry_after_seconds(std::chrono::milliseconds(0)), 1);
}

}  // namespace
}  // namespace guichet::server
