// The database administration behind guichet-server init / add-operator / add-device / revoke-device.
#include <gtest/gtest.h>

#include "guichet/server/admin.hpp"
#include "guichet/server/credentials.hpp"
#include "guichet/server/storage.hpp"
#include "guichet/testing/process.hpp"

namespace guichet::server {
namespace {

class AdminTest : public ::testing::Test {
 protected:
  testing::TempDir dir{"guichet-admin"};
  std::string db = (dir / "a.db").string();
};

TEST_F(AdminTest, InitIsRepeatable) {
  auto first = init_database(db);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_NE(first.value().find("schema version " + std::to_string(schema_migrations().size())), std::string::npos);
  EXPECT_TRUE(init_database(db).ok());
  auto bad = init_database((dir / "no-such-dir" / "x.db").string());
  EXPECT_FALSE(bad.ok());
}

TEST_F(AdminTest, OperatorsAreValidatedAndStoredWithAnArgon2idHash) {
  EXPECT_TRUE(add_operator(db, "op1", "Asha Kaur", "manager", "482193").ok());
  auto dup = add_operator(db, "op1", "Asha Kaur", "manager", "482193");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("already exists"), std::string::npos);
  EXPECT_FALSE(add_operator(db, "op 2", "X", "operator", "1234").ok());
  EXPECT_FALSE(add_operator(db, "op2", "", "operator", "1234").ok());
  auto role = add_operator(db, "op2", "X", "boss", "1234");
  ASSERT_FALSE(role.ok());
  EXPECT_NE(role.error().message.find("boss"), std::string::npos);
  auto pin = add_operator(db, "op2", "X", "operator", "12");
  ASSERT_FALSE(pin.ok());
  EXPECT_NE(pin.error().message.find("PIN"), std::string::npos);

  store::Db d = open_database(db);
  auto op = Repository(d).operator_record("op1");
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->role, Role::Manager);
  EXPECT_EQ(op->pin_hash.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(verify_pin("482193", op->pin_hash));
  EXPECT_FALSE(Repository(d).operator_record("op2").has_value());
}

TEST_F(AdminTest, DevicesGetASecretThatIsStoredOnlyAsAHash) {
  auto k1 = add_device(db, "K1", "kiosk");
  ASSERT_TRUE(k1.ok()) << k1.error().message;
  EXPECT_EQ(k1->secret.size(), 64u);
  EXPECT_FALSE(add_device(db, "K1", "kiosk").ok());
  EXPECT_FALSE(add_device(db, "K2", "toaster").ok());
  EXPECT_FALSE(add_device(db, "", "kiosk").ok());
  store::Db d = open_database(db);
  auto rec = Repository(d).device("K1");
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->kind, DeviceKind::Kiosk);
  EXPECT_NE(rec->secret_hash, k1->secret);
  EXPECT_TRUE(secret_matches(k1->secret, rec->secret_hash));
}

TEST_F(AdminTest, RevokeMarksTheDevice) {
  ASSERT_TRUE(add_device(db, "D1", "counter").ok());
  EXPECT_TRUE(revoke_device(db, "D1").ok());
  auto missing = revoke_device(db, "D9");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("D9"), std::string::npos);
  store::Db d = open_database(db);
  EXPECT_TRUE(Repository(d).device("D1")->revoked_ms.has_value());
}

}  // namespace
}  // namespace guichet::server
