// Scanned files (docs/server.md, "Attachments"): the checks of a file's name, type and first
// bytes, and PUT /api/v1/attachments/{sha256} at a centre node through the API without sockets.
#include <gtest/gtest.h>

#include <fstream>

#include "guichet/server/attachments.hpp"
#include "server_fixture.hpp"

namespace guichet::server {
namespace {

using nlohmann::json;
using test::ServerFixture;

const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + "page one";
const std::string kJpeg = "\xff\xd8\xff\xe0 page two";
const std::string kPdf = "%PDF-1.7 page three";

TEST(Attachments, NamesTypesAndSignatures) {
  EXPECT_EQ(sha256_hex("test"), "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  EXPECT_TRUE(valid_sha256_hex(sha256_hex("test")));
  EXPECT_FALSE(valid_sha256_hex(std::string(63, 'a')));
  EXPECT_FALSE(valid_sha256_hex(std::string(65, 'a')));
  EXPECT_FALSE(valid_sha256_hex(std::string(64, 'A')));
  EXPECT_FALSE(valid_sha256_hex(std::string(63, 'a') + "g"));
  for (const char* t : {"image/png", "image/jpeg", "application/pdf"}) EXPECT_TRUE(attachment_media_type(t));
  for (const char* t : {"image/PNG", "image/gif", "", "application/pdf;x"}) EXPECT_FALSE(attachment_media_type(t));
  EXPECT_EQ(media_type_of(" Image/PNG ; charset=x"), "image/png");
  EXPECT_TRUE(looks_like("image/png", kPng));
  EXPECT_TRUE(looks_like("image/jpeg", kJpeg));
  EXPECT_TRUE(looks_like("application/pdf", kPdf));
  EXPECT_FALSE(looks_like("image/png", kJpeg));
  EXPECT_FALSE(looks_like("image/jpeg", "\xff\xd8"));
  EXPECT_FALSE(looks_like("application/pdf", "%PDF"));
  EXPECT_FALSE(looks_like("image/png", std::string("\x89PNG\r\n\x1a", 7)));
  EXPECT_EQ(
      attachment_answer(sha256_hex("x"), "image/png", 12, true),
      R"({"attachment":{"sha256":")" + sha256_hex("x") + R"(","media_type":"image/png","bytes":12,"stored":"new"}})");
}

class AttachmentApi : public ServerFixture {
 protected:
  Response put(const std::string& path_hash, const std::string& type, const std::string& bytes,
               const std::string& device = "D1") {
    Request r = request("PUT", "/api/v1/attachments/" + path_hash, device, bytes);
    if (!type.empty()) r.with_header("content-type", type);
    return api->handle_sync(r);
  }
  std::int64_t files(const std::string& where = "") {
    store::Db reader((dir / "attachments.sqlite").string(),
                     store::OpenOptions{store::Durability::Normal, false, 5000, false});
    auto st = reader.prepare("SELECT COUNT(*) FROM attachments" + where);
    st.step();
    return st.int64(0);
  }
  static std::string code(const Response& r) { return body_of(r)["error"]["code"]; }
  static std::string message(const Response& r) { return body_of(r)["error"]["message"]; }
};

TEST_F(AttachmentApi, AFileIsStoredOnceAndASecondSendIsAnsweredAlready) {
  const std::string sha = sha256_hex(kPng);
  Response first = put(sha, "image/png", kPng);
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(body_of(first), json::parse(attachment_answer(sha, "image/png", kPng.size(), true)));
  Response again = put(sha, "image/png", kPng, "K1");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(body_of(again)["attachment"]["stored"], "already");
  EXPECT_EQ(files(), 1);
  EXPECT_EQ(files(" WHERE device = 'D1' AND bytes = " + std::to_string(kPng.size())), 1);  // the first sender's
  // A centre node without --upstream queues nothing for central.
  EXPECT_EQ(centre->attachments().relay_counts().pending, 0);
  restart();
  EXPECT_EQ(put(sha, "image/png", kPng).status, 200);
  auto content = centre->attachments().content(sha);
  ASSERT_TRUE(content);
  EXPECT_EQ(content->bytes, kPng);
  EXPECT_EQ(content->media_type, "image/png");
}

TEST_F(AttachmentApi, EveryRefusalNamesItsReasonAndStoresNothing) {
  ASSERT_EQ(put(sha256_hex(kPdf), "application/pdf", kPdf).status, 201);
  const std::string sha = sha256_hex(kPng);
  struct Case {
    std::string path, type, bytes, device;
    int status;
    std::string code, message;
  };
  const std::vector<Case> cases = {
      {sha, "image/png", kPng + "x", "D1", 422, "attachment_hash_mismatch",
       "the bytes' SHA-256 begins " + sha256_hex(kPng + "x").substr(0, 12) + ", not " + sha.substr(0, 12) +
           " as the path says: the file was changed or cut short on the way; send it again"},
      {sha, "image/gif", kPng, "D1", 415, "unsupported_media_type",
       "Content-Type must be image/png, image/jpeg or application/pdf (got \"image/gif\")"},
      {sha, "", kPng, "D1", 415, "unsupported_media_type",
       "Content-Type must be image/png, image/jpeg or application/pdf (got \"\")"},
      {sha, "image/jpeg", kPng, "D1", 422, "attachment_not_media_type",
       "the bytes do not begin as image/jpeg files do (FF D8 FF)"},
      {sha256_hex(""), "image/png", "", "D1", 422, "attachment_not_media_type",
       "the bytes do not begin as image/png files do (the PNG signature)"},
      {"ABC", "image/png", kPng, "D1", 400, "bad_request",
       "the path must end in the file's SHA-256, 64 lower-case hex digits (got \"ABC\")"},
      {std::string(64, 'F'), "image/png", kPng, "D1", 400, "bad_request",
       "the path must end in the file's SHA-256, 64 lower-case hex digits (got \"" + std::string(64, 'F') + "\")"},
      {sha, "image/png", kPng, "B1", 403, "forbidden",
       "only kiosks and counters send scanned files; device B1 is a display"},
      {sha, "image/png", std::string(kMaxAttachmentBytes + 1, 'x').replace(0, 8, kPng.substr(0, 8)), "D1", 413,
       "payload_too_large", "a scanned file is at most 8 MiB (8388608 bytes)"},
  };
  for (const auto& c : cases) {
    Response r = put(c.path, c.type, c.bytes, c.device);
    EXPECT_EQ(r.status, c.status) << c.code << " " << r.body;
    EXPECT_EQ(code(r), c.code) << r.body;
    EXPECT_EQ(message(r), c.message);
  }
  Request unknown = request("PUT", "/api/v1/attachments/" + sha, "", kPng);
  unknown.with_header("content-type", "image/png").with_header("X-Guichet-Device", "Z9");
  unknown.with_header("X-Guichet-Secret", std::string(64, '0'));
  EXPECT_EQ(api->handle_sync(unknown).status, 401);
  ASSERT_TRUE(revoke_device(db, "D2").ok());
  centre->forget_device("D2");
  Response revoked = put(sha, "image/png", kPng, "D2");
  EXPECT_EQ(revoked.status, 403) << revoked.body;
  EXPECT_EQ(code(revoked), "device_revoked");
  EXPECT_EQ(files(), 1);  // the first file only, untouched
  EXPECT_EQ(centre->attachments().content(sha256_hex(kPdf))->bytes, kPdf);
}

TEST_F(AttachmentApi, OfficersRoutesAreCentralsOnly) {
  Response r = call("GET", "/api/v1/attachments/" + sha256_hex(kPng), "D1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(code(r), "not_at_centre");
  r = call("GET", "/api/v1/applications/LDH01-K1-000001/documents", "D1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(code(r), "not_at_centre");
}

class RelayingAttachmentApi : public AttachmentApi {
 protected:
  void SetUp() override {
    relay_node = true;
    AttachmentApi::SetUp();
  }
};

// At a relaying centre node a file is queued for central in the transaction that stores it; a
// second send queues nothing.
TEST_F(RelayingAttachmentApi, AStoredFileIsQueuedForCentralOnce) {
  ASSERT_EQ(put(sha256_hex(kPng), "image/png", kPng).status, 201);
  ASSERT_EQ(put(sha256_hex(kJpeg), "image/jpeg", kJpeg).status, 201);
  ASSERT_EQ(put(sha256_hex(kPng), "image/png", kPng).status, 200);
  EXPECT_EQ(centre->attachments().relay_counts().pending, 2);
  auto next = centre->attachments().next_queued();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->sha256, sha256_hex(kPng));  // in the order stored
  EXPECT_EQ(next->bytes, kPng);
  centre->attachments().mark_queued(next->seq, false, 422, "refused", 1);
  restart();
  next = centre->attachments().next_queued();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->sha256, sha256_hex(kJpeg));
  const auto counts = centre->attachments().relay_counts();
  EXPECT_EQ(counts.pending, 1);
  EXPECT_EQ(counts.refused, 1);
}

// The attachments file is checked at start: a damaged one is refused, never taken for a new one,
// and so is one that belongs to another node.
TEST(AttachmentStoreFile, ADamagedOrForeignFileIsRefused) {
  testing::TempDir dir{"guichet-attachments"};
  const std::string path = (dir / "attachments.sqlite").string();
  { AttachmentStore store(path, "LDH01", false); }
  EXPECT_THROW(AttachmentStore(path, "central", false), std::runtime_error);
  testing::TempDir other{"guichet-attachments"};
  const std::string damaged = (other / "attachments.sqlite").string();
  {
    std::ofstream out(damaged, std::ios::binary);
    out << std::string(4096, 'x');
  }
  try {
    AttachmentStore store(damaged, "LDH01", false);
    FAIL() << "a damaged file was opened";
  } catch (const store::DbError& e) {
    EXPECT_NE(std::string(e.what()).find("attachments file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace guichet::server
