#include "pin.hpp"

#include <gtest/gtest.h>

using namespace guichet::kiosk;

TEST(Pin, HashesAndVerifies) {
  auto h = hash_pin("482916");
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_TRUE(h.value().starts_with("$argon2id$")) << h.value();
  EXPECT_EQ(h.value().find("482916"), std::string::npos);
  EXPECT_TRUE(valid_pin_hash(h.value()));
  EXPECT_TRUE(verify_pin(h.value(), "482916"));
  EXPECT_FALSE(verify_pin(h.value(), "482917"));
  EXPECT_FALSE(verify_pin(h.value(), ""));
  auto h2 = hash_pin("482916");
  ASSERT_TRUE(h2.ok());
  EXPECT_NE(h.value(), h2.value()) << "salted";
}

TEST(Pin, RefusesBadPinsAndHashes) {
  for (const char* bad : {"", "123", "1234567890123", "12a4", "12 34"}) {
    auto h = hash_pin(bad);
    ASSERT_FALSE(h.ok()) << bad;
    EXPECT_NE(h.error().message.find("4 to 12 digits"), std::string::npos);
  }
  EXPECT_FALSE(valid_pin_hash("$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$abc"));
  EXPECT_FALSE(valid_pin_hash("1234"));
  EXPECT_FALSE(verify_pin("1234", "1234"));
}
