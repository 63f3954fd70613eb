// A real guichet-server (--role centre) on 127.0.0.1 for tests: its own database in a temporary
// directory, the demo catalogue, devices and operators registered through its command line, and
// a simulated clock set to a Monday morning so the demo services are open whenever the tests run.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "guichet/sync/client.hpp"
#include "guichet/testing/process.hpp"

namespace guichet::testing {

class CentreServer {
 public:
  static std::filesystem::path program() { return GUICHET_BINARY_DIR "/sync-server/guichet-server"; }
  static std::filesystem::path catalogue() { return GUICHET_SOURCE_DIR "/sync-server/catalogue/demo-centre.toml"; }
  // 09:30 on Monday 23 November 2026 in Ludhiana.
  static constexpr const char* kMorning = "2026-11-23T09:30:00+05:30";

  CentreServer() : dir_("guichet-centre") {}
  ~CentreServer() { stop(); }

  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path db() const { return dir_ / "centre.sqlite"; }

  // Registers a device and returns its secret.
  std::string add_device(const std::string& id, const std::string& kind) {
    auto file = dir_ / (id + ".secret");
    auto r = run(program(),
                 {"add-device", "--db", db().string(), "--id", id, "--kind", kind, "--secret-file", file.string()});
    EXPECT_EQ(r.status, 0) << r.err;
    std::string secret = read_file(file);
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    return secret;
  }
  std::filesystem::path secret_file(const std::string& id) const { return dir_ / (id + ".secret"); }

  void add_operator(const std::string& id, const std::string& name, const std::string& role, const std::string& pin) {
    auto r =
        run(program(), {"add-operator", "--db", db().string(), "--id", id, "--name", name, "--role", role}, pin + "\n");
    EXPECT_EQ(r.status, 0) << r.err;
  }

  // More `serve` options for the next start (e.g. {"--sse-keepalive", "1"}).
  std::vector<std::string> extra_args;
  // The catalogue of the next start (the demo centre's unless a test gives its own).
  std::filesystem::path catalogue_file = catalogue();
  // Where the simulated clock starts at the next start (a restart can carry on from where the
  // clock stood instead of going back to the morning).
  std::string time_origin = kMorning;

  // Starts the server; port 0 takes any free port, a given port restarts on the same one.
  bool start(std::uint16_t port = 0) {
    hold_.release();
    auto port_file = dir_ / "port";
    std::filesystem::remove(port_file);
    ProcessOptions o;
    o.args = {"serve",
              "--role",
              "centre",
              "--db",
              db().string(),
              "--catalogue",
              catalogue_file.string(),
              "--listen",
              "127.0.0.1:" + std::to_string(port),
              "--port-file",
              port_file.string(),
              "--time-origin",
              time_origin,
              "--threads",
              "1"};
    o.args.insert(o.args.end(), extra_args.begin(), extra_args.end());
    o.log_dir = dir_.path();
    process_ = std::make_unique<Process>("guichet-server-" + std::to_string(++starts_), program(), o);
    auto text = wait_for_file(port_file, std::chrono::seconds(20));
    if (!text) return false;
    port_ = static_cast<std::uint16_t>(std::stoi(*text));
    return true;
  }
  // Both keep the port for a restart on it (PortHold): meanwhile it refuses connections.
  void stop() {
    if (process_) process_->stop();
    if (process_ && port_ != 0) hold_ = PortHold(port_);
    process_.reset();
  }
  void kill9() {
    if (process_) process_->kill9();
    if (process_ && port_ != 0) hold_ = PortHold(port_);
    process_.reset();
  }
  std::string stderr_text() const { return process_ ? process_->stderr_text() : std::string(); }

  // The row of terminal `id` on the managers' dashboard (its part of sync.terminals), read from the
  // desk `desk` (a device added here) as manager `op` with `pin` (both added before the start; the
  // session is kept for the next read). Null when the terminal is not listed or the page cannot be
  // read (the failure is reported).
  sync::json dashboard_row(const std::string& id, const std::string& desk, const std::string& desk_secret,
                           const std::string& op, const std::string& pin) {
    sync::ApiClient client(endpoint(desk, desk_secret));
    if (manager_session_.empty()) {
      sync::RequestOptions slow;
      slow.timeout = std::chrono::seconds(15);  // PINs are checked with argon2id, slow in a sanitizer build
      auto r = client.post("/api/v1/sessions", {{"operator", op}, {"pin", pin}}, slow);
      EXPECT_EQ(r.status, 201) << r.body;
      if (r.status != 201) return nullptr;
      manager_session_ = sync::json::parse(r.body)["session"].get<std::string>();
    }
    sync::RequestOptions o;
    o.bearer = manager_session_;
    auto r = client.get("/api/v1/dashboard", o);
    EXPECT_TRUE(r.ok()) << r.body;
    if (!r.ok()) return nullptr;
    const sync::json dashboard = sync::json::parse(r.body);
    for (const auto& row : dashboard["sync"]["terminals"]) {
      if (row["id"] == id) return row;
    }
    return nullptr;
  }

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  sync::ServerEndpoint endpoint(const std::string& device, const std::string& secret) const {
    return {url(), device, secret};
  }

 private:
  TempDir dir_;
  std::unique_ptr<Process> process_;
  std::uint16_t port_ = 0;
  PortHold hold_;
  std::string manager_session_;
  int starts_ = 0;
};

}  // namespace guichet::testing
