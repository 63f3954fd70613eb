// The attachment uploader against a loopback HTTP server that answers PUT /api/v1/attachments/{sha256}
// as the contract says (docs/sync.md, "Attachments"), and fails on demand: every class of answer,
// the backoff, a refused device keeping every file pending, a restart resuming.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "guichet/sync/attachments.hpp"
#include "guichet/testing/filing.hpp"
#include "guichet/testing/process.hpp"
#include "loopback_server.hpp"

using namespace std::chrono_literals;
using guichet::sync::AttachmentState;
using guichet::sync::AttachmentStore;
using guichet::sync::AttachmentUploader;
using guichet::sync::AttachmentUploaderOptions;
using guichet::sync::DeviceRefusal;
using guichet::sync::ServerEndpoint;
using guichet::testing::LoopbackServer;
using guichet::testing::LoopbackState;
using guichet::testing::PortReservation;
using guichet::testing::TempDir;

namespace {

std::vector<std::uint8_t> png(std::uint8_t fill, std::size_t size = 300) {
  return guichet::testing::sample_page_bytes(size, fill);
}

std::vector<std::uint8_t> text(const std::string& s) { return {s.begin(), s.end()}; }

template <class F>
bool eventually(F f, std::chrono::milliseconds limit = 5s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (f()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return f();
}

class AttachmentUploaderTest : public ::testing::Test {
 protected:
  AttachmentUploaderTest() : state_(std::make_shared<LoopbackState>()) {
    store_.emplace((dir_ / "attachments.sqlite").string());
    options_.request_timeout = 1000ms;
    options_.backoff_initial = 50ms;
    options_.backoff_max = 400ms;
    options_.refused_backoff_max = 400ms;
  }
  ServerEndpoint endpoint(std::uint16_t port) const {
    return {"http://127.0.0.1:" + std::to_string(port), state_->device, state_->secret};
  }
  std::vector<std::string> puts() {
    std::lock_guard lock(state_->mu);
    return state_->attachment_puts;
  }

  TempDir dir_;
  std::shared_ptr<LoopbackState> state_;
  std::optional<AttachmentStore> store_;
  AttachmentUploaderOptions options_;
};

TEST_F(AttachmentUploaderTest, PendingFilesAreSentInTheOrderStoredWithTheDeviceCredentials) {
  LoopbackServer server(state_);
  std::vector<std::string> order;
  for (std::uint8_t i = 1; i <= 5; ++i) order.push_back(store_->put("image/png", png(i), 1000 + i).sha256);
  AttachmentUploader uploader(*store_, endpoint(server.port()), options_);
  uploader.start();
  ASSERT_TRUE(uploader.wait_drained(5s));
  EXPECT_EQ(puts(), order);
  EXPECT_EQ(uploader.waiting(), 0);
  for (const auto& sha : order) {
    const auto info = store_->get(sha);
    EXPECT_EQ(info->state, AttachmentState::Sent);
    EXPECT_EQ(info->response_status, 201);
  }
  std::lock_guard lock(state_->mu);
  EXPECT_EQ(state_->last_headers["content-type"], "image/png");
  EXPECT_EQ(state_->last_headers["x-guichet-device"], state_->device);
  EXPECT_EQ(state_->last_headers["x-guichet-secret"], state_->secret);
  const auto bytes = png(5);
  EXPECT_EQ(state_->attachments[order.back()], std::string(bytes.begin(), bytes.end()));
}

TEST_F(AttachmentUploaderTest, AFileTheServerHasAlreadyIsSent) {
  LoopbackServer server(state_);
  const auto sha = store_->put("image/png", png(1), 1).sha256;
  {
    std::lock_guard lock(state_->mu);
    const auto bytes = png(1);
    state_->attachments[sha] = std::string(bytes.begin(), bytes.end());
  }
  AttachmentUploader uploader(*store_, endpoint(server.port()), options_);
  uploader.start();
  ASSERT_TRUE(uploader.wait_drained(5s));
  EXPECT_EQ(store_->get(sha)->state, AttachmentState::Sent);
  EXPECT_EQ(store_->get(sha)->response_status, 200);
}

TEST_F(AttachmentUploaderTest, RefusedFilesAreKeptWithTheServersMessageAndDoNotBlockTheOthers) {
  LoopbackServer server(state_);
  // Bytes that are not what they claim to be: 422 attachment_not_media_type.
  const auto not_png = store_->put("image/png", text("GIF89a, not a PNG at all"), 1).sha256;
  const auto good = store_->put("image/png", png(2), 2).sha256;
  const auto not_pdf = store_->put("application/pdf", text("<html>not a pdf</html>"), 3).sha256;
  AttachmentUploader uploader(*store_, endpoint(server.port()), options_);
  uploader.start();
  ASSERT_TRUE(uploader.wait_drained(5s));
  EXPECT_EQ(puts(), (std::vector<std::string>{not_png, good, not_pdf}));
  const auto refused = store_->get(not_png);
  EXPECT_EQ(refused->state, AttachmentState::Refused);
  EXPECT_EQ(refused->response_status, 422);
  EXPECT_EQ(refused->message, "the bytes are not image/png");
  EXPECT_TRUE(store_->content(not_png));
  EXPECT_EQ(store_->get(good)->state, AttachmentState::Sent);
  EXPECT_EQ(store_->get(not_pdf)->state, AttachmentState::Refused);
  EXPECT_EQ(store_->refused().size(), 2u);
  // Refused is final: a new round does not send them again.
  const auto later = store_->put("image/png", png(3), 4).sha256;
  uploader.wake();
  ASSERT_TRUE(uploader.wait_drained(5s));
  EXPECT_EQ(puts(), (std::vector<std::string>{not_png, good, not_pdf, later}));
}

// Runs SQL on the store's file directly, as a damaged disk or another program would change it.
void raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(raw);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

TEST_F(AttachmentUploaderTest, EveryOtherRefusalIsKeptWithItsStatusAndMessage) {
  LoopbackServer server(state_);
  const auto changed = store_->put("image/png", png(1), 1).sha256;
  const auto other_type = store_->put("image/png", png(2), 2).sha256;
  const auto fine = store_->put("image/png", png(3), 3).sha256;
  const std::string file = (dir_ / "attachments.sqlite").string();
  // Bytes changed on the disk after they were stored (422 attachment_hash_mismatch), and a type
  // the centre does not take (415).
  raw_sql(file, "UPDATE attachments SET content = X'89504E470D0A1A0A00' WHERE sha256 = '" + changed + "'");
  raw_sql(file, "UPDATE attachments SET media_type = 'image/gif' WHERE sha256 = '" + other_type + "'");
  AttachmentUploader uploader(*store_, endpoint(server.port()), options_);
  uploader.start();
  ASSERT_TRUE(uploader.wait_drained(5s));
  const auto mismatch = store_->get(changed);
  EXPECT_EQ(mismatch->state, AttachmentState::Refused);
  EXPECT_EQ(mismatch->response_status, 422);
  EXPECT_NE(mismatch->message.find(changed.substr(0, 12)), std::string::npos) << mismatch->message;
  const auto unsupported = store_->get(other_type);
  EXPECT_EQ(unsupported->state, AttachmentState::Refused);
  EXPECT_EQ(unsupported->response_status, 415);
  EXPECT_EQ(unsupported->message, "Content-Type image/gif is not taken");
  EXPECT_EQ(store_->get(fine)->state, AttachmentState::Sent);
}

TEST_F(AttachmentUploaderTest, ServerErrorsAreRetriedWithBackoffInOrder) {
  state_->fail_next_5xx = 3;
  LoopbackServer server(state_);
  const auto a = store_->put("image/png", png(1), 1).sha256;
  const auto b = store_->put("image/png", png(2), 2).sha256;
  AttachmentUploader uploader(*store_, endpoint(server.port()), options_);
  const auto started = std::chrono::steady_clock::now();
  uploader.start();
  ASSERT_TRUE(uploader.wait_drained(5s));
  const auto took = std::chrono::steady_clock::now() - started;
  // Three 503s, each followed by a growing wait (50, 100, 200 ms, ±20%): not a busy loop.
  EXPECT_GE(took, 280ms);
  EXPECT_EQ(puts(), (std::vector<std::string>{a, a, a, a, b}));
  EXPECT_EQ(store_->get(a)->attempts, 4);
  EXPECT_EQ(store_->get(a)->state, AttachmentState::Sent);
  EXPECT_EQ(store_->get(b)->attempts, 1);
}

TEST_F(AttachmentUploaderTest, AnUnreachableServerKeepsFilesPendingAndTheyGoWhenItComesBack) {
  PortReservation down;
  const std::uint16_t port = down.port();
  const auto a = store_->put("image/png", png(1), 1).sha256;
  AttachmentUploader uploader(*store_, endpoint(port), options_);
  uploader.start();
  std::this_thread::sleep_for(1000ms);
  EXPECT_EQ(uploader.waiting(), 1);
  EXPECT_FALSE(uploader.online());
  const auto info = store_->get(a);
  EXPECT_EQ(info->state, AttachmentState::Pending);
  // Backoff: a handful of attempts in a second (50, 100, 200, 400, 400 ms), not hundreds.
  EXPECT_GE(info->attempts, 2);
  EXPECT_LE(info->attempts, 8);
  EXPECT_FALSE(info->message.empty());

  LoopbackServer back(state_, port);
  const auto healed = std::chrono::steady_clock::now();
  ASSERT_TRUE(uploader.wait_drained(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - healed, options_.backoff_max * 2 + 500ms);
  EXPECT_EQ(store_->get(a)->state, AttachmentState::Sent);
  EXPECT_TRUE(uploader.online());
}

TEST_F(AttachmentUploaderTest, UnknownCredentialsKeepEveryFilePendingAndTheyGoOnceAccepted) {
  state_->refuse_device_next = 3;
  LoopbackServer server(state_);
  const auto a = store_->put("image/png", png(1), 1).sha256;
  const auto b = store_->put("image/png", png(2), 2).sha256;
  AttachmentUploader uploader(*store_, endpoint(server.port()), options_);
  uploader.start();
  ASSERT_TRUE(eventually([&] { return uploader.device_refusal_kind() == DeviceRefusal::Unauthenticated; }));
  EXPECT_NE(uploader.device_refusal().find("did not accept this device's credentials"), std::string::npos);
  EXPECT_NE(uploader.device_refusal().find("scanned file"), std::string::npos);
  EXPECT_NE(store_->get(a)->state, AttachmentState::Refused);
  ASSERT_TRUE(uploader.wait_drained(5s));
  EXPECT_EQ(store_->get(a)->state, AttachmentState::Sent);
  EXPECT_EQ(store_->get(b)->state, AttachmentState::Sent);
  EXPECT_EQ(uploader.device_refusal_kind(), DeviceRefusal::None);
  EXPECT_EQ(puts(), (std::vector<std::string>{a, a, a, a, b}));  // b never went while a was held
}

TEST_F(AttachmentUploaderTest, ARevokedDeviceSendsNothingMoreUntilStartedAnewAndKeepsEveryFile) {
  state_->revoked = true;
  LoopbackServer server(state_);
  const auto a = store_->put("image/png", png(1), 1).sha256;
  store_->put("image/png", png(2), 2);
  AttachmentUploader uploader(*store_, endpoint(server.port()), options_);
  uploader.start();
  ASSERT_TRUE(eventually([&] { return uploader.device_refusal_kind() == DeviceRefusal::Revoked; }));
  EXPECT_NE(uploader.device_refusal().find("revoked"), std::string::npos);
  store_->put("image/png", png(3), 3);
  uploader.wake();
  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(puts().size(), 1u) << "a revoked device asked again";
  EXPECT_EQ(uploader.waiting(), 3);
  EXPECT_EQ(store_->get(a)->state, AttachmentState::Pending);
  // Enrolled again (here: the server takes it back), the terminal restarts its uploader.
  uploader.stop();
  {
    std::lock_guard lock(state_->mu);
    state_->revoked = false;
  }
  uploader.start();
  ASSERT_TRUE(uploader.wait_drained(5s));
  EXPECT_EQ(puts().size(), 4u);
}

TEST_F(AttachmentUploaderTest, ARestartedTerminalResumesWithWhatWasLeft) {
  PortReservation down;
  const std::uint16_t port = down.port();
  std::string a, b;
  {
    LoopbackServer server(state_, port);
    a = store_->put("image/png", png(1), 1).sha256;
    AttachmentUploader uploader(*store_, endpoint(port), options_);
    uploader.start();
    ASSERT_TRUE(uploader.wait_drained(5s));
    server.stop();
    b = store_->put("image/png", png(2), 2).sha256;  // stored while the centre is away
    uploader.wake();
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(uploader.waiting(), 1);
  }  // the terminal stops: uploader, then its store
  store_.reset();
  store_.emplace((dir_ / "attachments.sqlite").string());
  EXPECT_EQ(store_->get(a)->state, AttachmentState::Sent);
  EXPECT_EQ(store_->get(b)->state, AttachmentState::Pending);
  LoopbackServer server(state_, port);
  AttachmentUploader uploader(*store_, endpoint(port), options_);
  uploader.start();
  ASSERT_TRUE(uploader.wait_drained(5s));
  EXPECT_EQ(store_->get(b)->state, AttachmentState::Sent);
  EXPECT_EQ(puts(), (std::vector<std::string>{a, b}));
}

TEST_F(AttachmentUploaderTest, ANewFileWakesAnIdleUploaderAndStopIsPrompt) {
  LoopbackServer server(state_);
  options_.idle_poll = 60s;
  AttachmentUploader uploader(*store_, endpoint(server.port()), options_);
  int changes = 0;
  std::mutex mu;
  uploader.on_change([&] {
    std::lock_guard lock(mu);
    ++changes;
  });
  uploader.start();
  std::this_thread::sleep_for(100ms);
  const auto sha = store_->put("image/png", png(9), 1).sha256;
  uploader.wake();
  ASSERT_TRUE(eventually([&] { return store_->get(sha)->state == AttachmentState::Sent; }, 2s));
  {
    std::lock_guard lock(mu);
    EXPECT_GE(changes, 1);
  }
  const auto stopping = std::chrono::steady_clock::now();
  uploader.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 500ms);
}

TEST_F(AttachmentUploaderTest, AStopDuringASlowAnswerAbandonsItAndTheFileStaysPending) {
  options_.request_timeout = 20s;
  // A listening socket that never answers: a server stuck mid-request.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor stuck(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto sha = store_->put("image/png", png(1), 1).sha256;
  AttachmentUploader uploader(*store_, endpoint(stuck.local_endpoint().port()), options_);
  uploader.start();
  std::this_thread::sleep_for(300ms);
  const auto stopping = std::chrono::steady_clock::now();
  uploader.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 1s);
  EXPECT_EQ(store_->get(sha)->state, AttachmentState::Pending);
}

}  // namespace
