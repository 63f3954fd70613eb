// The terminal's scanned files: kept once by SHA-256, durable when put() returns (a process that
// dies right after leaves them on disk), found again after a reopen, a damaged file refused.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "guichet/sync/attachments.hpp"
#include "guichet/testing/filing.hpp"

namespace fs = std::filesystem;
using guichet::store::DbError;
using guichet::sync::AttachmentState;
using guichet::sync::AttachmentStore;

namespace {

std::vector<std::uint8_t> png(std::uint8_t fill, std::size_t size = 64) {
  return guichet::testing::sample_page_bytes(size, fill);
}

class AttachmentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "guichet-attachments-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "attachments.sqlite").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::string path_;
};

TEST(Sha256, KnownVectorsInLowerCaseHex) {
  EXPECT_EQ(guichet::sync::sha256_hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(guichet::sync::sha256_hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_TRUE(guichet::sync::valid_sha256_hex(guichet::sync::sha256_hex("abc", 3)));
  EXPECT_FALSE(guichet::sync::valid_sha256_hex(std::string(64, 'A')));
  EXPECT_FALSE(guichet::sync::valid_sha256_hex(std::string(63, 'a')));
}

TEST_F(AttachmentStoreTest, AFileIsKeptOncePerSha256InTheOrderStored) {
  AttachmentStore store(path_);
  const auto a = store.put("image/png", png(1), 1000);
  const auto b = store.put("image/png", png(2), 1001);
  const auto again = store.put("image/jpeg", png(1), 1002);  // the same bytes: the row already there
  EXPECT_EQ(a.sha256, guichet::sync::sha256_hex(png(1)));
  EXPECT_EQ(a.bytes, 64);
  EXPECT_EQ(a.media_type, "image/png");
  EXPECT_EQ(a.stored_ms, 1000);
  EXPECT_EQ(a.state, AttachmentState::Pending);
  EXPECT_EQ(again.seq, a.seq);
  EXPECT_EQ(again.media_type, "image/png");
  EXPECT_EQ(again.stored_ms, 1000);
  EXPECT_EQ(store.pending_count(), 2);
  const auto pending = store.pending();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].sha256, a.sha256);
  EXPECT_EQ(pending[1].sha256, b.sha256);
  EXPECT_EQ(*store.content(b.sha256), png(2));
}

TEST_F(AttachmentStoreTest, WhatTheCentreDoesNotTakeIsNotStored) {
  AttachmentStore store(path_);
  EXPECT_THROW(store.put("image/gif", png(1), 1), std::invalid_argument);
  EXPECT_THROW(store.put("image/png", {}, 1), std::invalid_argument);
  EXPECT_THROW(store.put("image/png", png(1, guichet::sync::kMaxAttachmentBytes + 1), 1), std::invalid_argument);
  EXPECT_NO_THROW(store.put("application/pdf", png(1, guichet::sync::kMaxAttachmentBytes), 1));
  EXPECT_EQ(store.pending_count(), 1);
}

TEST_F(AttachmentStoreTest, EveryStateAndItsMessageSurviveAReopen) {
  std::string sent, refused, waiting;
  {
    AttachmentStore store(path_);
    sent = store.put("image/png", png(1), 1000).sha256;
    refused = store.put("image/png", png(2), 1001).sha256;
    waiting = store.put("image/png", png(3), 1002).sha256;
    store.record_attempt(sent);
    store.mark_sent(sent, 201, 2000);
    store.record_attempt(refused);
    store.mark_refused(refused, 422, "the bytes are not image/png", 2001);
    store.record_attempt(waiting);
    store.record_attempt(waiting);
    store.record_error(waiting, "Connection refused");
    // An answer never rewrites a file that is no longer pending.
    store.mark_sent(refused, 200, 3000);
    store.mark_refused(sent, 400, "late", 3000);
  }
  AttachmentStore store(path_);
  EXPECT_EQ(store.get(sent)->state, AttachmentState::Sent);
  EXPECT_EQ(store.get(sent)->response_status, 201);
  const auto r = store.get(refused);
  EXPECT_EQ(r->state, AttachmentState::Refused);
  EXPECT_EQ(r->response_status, 422);
  EXPECT_EQ(r->message, "the bytes are not image/png");
  EXPECT_EQ(*store.content(refused), png(2));  // kept
  const auto w = store.get(waiting);
  EXPECT_EQ(w->state, AttachmentState::Pending);
  EXPECT_EQ(w->attempts, 2);
  EXPECT_EQ(w->message, "Connection refused");
  EXPECT_EQ(store.pending_count(), 1);
  ASSERT_EQ(store.refused().size(), 1u);
  EXPECT_EQ(store.refused()[0].sha256, refused);
  EXPECT_FALSE(store.get(std::string(64, '0')));
}

// Once the centre has a page, its bytes go from the terminal (overwritten, not only unlinked);
// the row stays, so the same page scanned again is known as sent. Pending and refused pages keep
// their bytes, and a page answered after the cutoff stays until a later drop.
TEST_F(AttachmentStoreTest, TheBytesOfPagesTheCentreHasAreDroppedAndTheRowsStay) {
  std::string sent_early, sent_late, refused, waiting;
  {
    guichet::sync::AttachmentStore store(path_);
    sent_early = store.put("image/png", png(0xa1, 20000), 1000).sha256;
    sent_late = store.put("image/png", png(0xa2, 20000), 1001).sha256;
    refused = store.put("image/png", png(0xa3), 1002).sha256;
    waiting = store.put("image/png", png(0xa4), 1003).sha256;
    store.mark_sent(sent_early, 201, 5000);
    store.mark_sent(sent_late, 200, 9000);
    store.mark_refused(refused, 415, "not a PNG", 5000);
    EXPECT_EQ(store.drop_sent_content(6000), 1);
    EXPECT_EQ(store.drop_sent_content(6000), 0) << "dropped once";
    {
      // While the store is open, its write-ahead log holds no copy of the dropped page either.
      std::ifstream wal(path_ + "-wal", std::ios::binary);
      const std::string logged((std::istreambuf_iterator<char>(wal)), std::istreambuf_iterator<char>());
      EXPECT_EQ(logged.find(std::string(64, '\xa1')), std::string::npos);
    }
    EXPECT_FALSE(store.get(sent_early)->content_kept);
    EXPECT_EQ(store.get(sent_early)->bytes, 20000);
    EXPECT_TRUE(store.content(sent_early)->empty());
    EXPECT_TRUE(store.get(sent_late)->content_kept);
    EXPECT_EQ(store.content(refused), png(0xa3));
    EXPECT_EQ(store.content(waiting), png(0xa4));
    // Scanned again: the row already there, sent; nothing to send.
    const auto again = store.put("image/png", png(0xa1, 20000), 7000);
    EXPECT_EQ(again.state, guichet::sync::AttachmentState::Sent);
    EXPECT_EQ(store.pending_count(), 1);
    EXPECT_EQ(store.drop_sent_content(10000), 1);
  }
  // The file itself no longer holds the dropped bytes (a run of 0xa1 / 0xa2).
  std::ifstream in(path_, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.find(std::string(64, '\xa1')), std::string::npos);
  EXPECT_EQ(bytes.find(std::string(64, '\xa2')), std::string::npos);
  EXPECT_NE(bytes.find(std::string(32, '\xa4')), std::string::npos) << "the pending page is still there";
}

TEST_F(AttachmentStoreTest, AFileIsOnDiskWhenPutReturnsEvenIfTheProcessDiesRightAfter) {
  const std::string sha = guichet::sync::sha256_hex(png(7, 4096));
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    AttachmentStore store(path_);
    store.put("image/png", png(7, 4096), 1234);
    std::_Exit(0);  // no destructor, no close: as a crash right after put()
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  // Another connection (as after a restart) reads it from the file.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "SELECT bytes, state FROM attachments WHERE sha256 = ?", -1, &st, nullptr),
            SQLITE_OK);
  sqlite3_bind_text(st, 1, sha.c_str(), -1, SQLITE_TRANSIENT);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), 4096);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)), "pending");
  sqlite3_finalize(st);
  sqlite3_close(raw);
  AttachmentStore store(path_);
  EXPECT_EQ(*store.content(sha), png(7, 4096));
}

TEST_F(AttachmentStoreTest, ADamagedFileIsRefusedWithItsPathAndNotStartedAfresh) {
  {
    AttachmentStore store(path_);
    store.put("image/png", png(1), 1);
  }
  for (const std::size_t keep : {std::size_t{1}, std::size_t{100}}) {
    fs::resize_file(path_, keep);  // cut short: SQLite alone would take one byte for a new file
    try {
      AttachmentStore store(path_);
      FAIL() << "opened a damaged file cut to " << keep << " bytes";
    } catch (const DbError& e) {
      EXPECT_TRUE(e.is_corrupt());
      EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("attachments"), std::string::npos) << e.what();
    }
    EXPECT_EQ(fs::file_size(path_), keep) << "a damaged file must not be changed";
  }
  {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string junk(8192, 'x');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  EXPECT_THROW(AttachmentStore store(path_), DbError);
}

}  // namespace
