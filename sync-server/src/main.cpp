// guichet-server: the centre server and the commands that prepare its database.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "guichet/config/catalogue_loader.hpp"
#include "guichet/server/admin.hpp"
#include "guichet/server/api.hpp"
#include "guichet/server/attachment_relay.hpp"
#include "guichet/server/centre.hpp"
#include "guichet/server/enrollment.hpp"
#include "guichet/server/http_server.hpp"
#include "guichet/server/log.hpp"
#include "guichet/server/relay.hpp"
#include "guichet/store/files.hpp"

namespace {

using namespace guichet;

int fail(const std::string& message, int code = 1) {
  std::cerr << "guichet-server: " << message << "\n";
  return code;
}

// Thousands of live-feed clients need as many descriptors; the soft limit is often 1024.
void raise_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

struct ServeArgs {
  std::string role = "centre";
  std::string db;
  std::string catalogue;
  std::string listen = "127.0.0.1:8080";
  std::string port_file;
  std::string time_origin;
  double time_scale = 1.0;
  int threads = 0;
  double keep_alive_seconds = 15;
  bool log_requests = false;
  std::string synchronous = "full";
  std::string catalogue_dir;  // central
  std::string upstream;       // centre: central's URL
  std::string upstream_device;
  std::string upstream_secret_file;
  double upstream_poll_seconds = 2;
};

// Central: one catalogue per centre, every *.toml of the directory, checked like a centre's.
int load_centres(const std::string& dir, std::map<std::string, std::shared_ptr<const domain::Catalogue>>& out) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  if (ec) return fail("cannot read the catalogue directory " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  if (files.empty()) return fail("the catalogue directory " + dir + " holds no centre catalogue (*.toml)", 2);
  bool broken = false;
  for (const auto& f : files) {
    auto loaded = config::load_catalogue(f.string());
    if (!loaded) {
      std::string text = loaded.error().to_string();
      std::cerr << text;
      if (!text.empty() && text.back() != '\n') std::cerr << "\n";
      broken = true;
      continue;
    }
    auto cat = std::make_shared<const domain::Catalogue>(std::move(loaded).value());
    const std::string id = cat->centre.id;
    if (out.count(id) != 0) {
      std::cerr << f.string() << ":1:1: centre " << id << " has a catalogue in another file already\n";
      broken = true;
      continue;
    }
    out[id] = std::move(cat);
  }
  if (broken) return fail("the catalogue directory " + dir + " has errors; the server did not start", 2);
  return 0;
}

int serve(const ServeArgs& a) {
  if (a.role != "centre" && a.role != "central") {
    return fail("--role must be centre or central (got '" + a.role + "')");
  }
  const bool central = a.role == "central";
  server::CentreOptions options;
  if (central) {
    if (a.catalogue_dir.empty()) return fail("--role central needs --catalogue-dir, one catalogue per centre");
    if (!a.catalogue.empty()) return fail("--role central takes --catalogue-dir, not --catalogue");
    if (!a.upstream.empty()) return fail("--upstream is for centre nodes; the central server relays to no one");
    options.role = server::NodeRole::Central;
    if (int code = load_centres(a.catalogue_dir, options.centres)) return code;
  } else {
    if (a.catalogue.empty()) return fail("--role centre needs --catalogue");
    auto loaded = config::load_catalogue(a.catalogue);
    if (!loaded) {
      std::cerr << loaded.error().to_string();
      if (!loaded.error().to_string().empty() && loaded.error().to_string().back() != '\n') std::cerr << "\n";
      return fail("the catalogue " + a.catalogue + " has errors; the server did not start", 2);
    }
    options.catalogue = std::make_shared<const domain::Catalogue>(std::move(loaded).value());
  }
  server::RelayOptions relay;
  if (!a.upstream.empty()) {
    if (a.upstream_device.empty() || a.upstream_secret_file.empty()) {
      return fail("--upstream needs --upstream-device (this centre's id at central) and --upstream-secret-file");
    }
    std::ifstream in(a.upstream_secret_file);
    std::string secret;
    if (!in || !std::getline(in, secret) || secret.empty()) {
      return fail("cannot read the upstream secret from " + a.upstream_secret_file);
    }
    if (!(a.upstream_poll_seconds > 0)) return fail("--upstream-poll must be above 0 seconds");
    relay.upstream = sync::ServerEndpoint{a.upstream, a.upstream_device, secret};
    relay.poll_interval = std::chrono::milliseconds(static_cast<long>(a.upstream_poll_seconds * 1000));
    options.relay = true;
  }

  auto colon = a.listen.rfind(':');
  if (colon == std::string::npos) return fail("--listen must be ADDRESS:PORT, e.g. 127.0.0.1:8080");
  server::HttpOptions http;
  http.address = a.listen.substr(0, colon);
  try {
    int port = std::stoi(a.listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    http.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    return fail("--listen port must be a number from 0 to 65535");
  }
  http.threads = a.threads;
  http.keep_alive = std::chrono::milliseconds(static_cast<long>(a.keep_alive_seconds * 1000));
  http.log_requests = a.log_requests;

  options.db_path = a.db;
  if (a.synchronous == "normal") {
    options.durability = store::Durability::Normal;
  } else if (a.synchronous != "full") {
    return fail("--synchronous must be full or normal");
  }
  if (!a.time_origin.empty()) {
    domain::Instant origin;
    if (!domain::parse_iso(a.time_origin, origin)) {
      return fail("--time-origin '" + a.time_origin + "' is not an ISO 8601 time such as 2026-11-23T09:00:00+05:30");
    }
    if (!(a.time_scale > 0)) return fail("--time-scale must be above 0");
    options.clock = std::make_shared<server::SimulatedClock>(origin, a.time_scale);
  }

  raise_file_limit();
  std::unique_ptr<server::Centre> centre;
  try {
    centre = std::make_unique<server::Centre>(options);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  server::Api api(*centre);
  std::unique_ptr<server::HttpServer> http_server;
  try {
    http_server = std::make_unique<server::HttpServer>(api, http);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  // Before the port file: whoever reads it may stop the server at once, and SIGTERM must then be
  // a clean stop, not the default kill.
  http_server->stop_on_signals();
  const auto port = http_server->port();
  if (!a.port_file.empty() && !guichet::store::write_file_atomically(a.port_file, std::to_string(port) + "\n", 0644)) {
    return fail("cannot write the port file " + a.port_file);
  }
  std::unique_ptr<server::Relay> relay_threads;
  std::unique_ptr<server::AttachmentRelay> file_sender;
  if (options.relay) {
    relay_threads = std::make_unique<server::Relay>(*centre, relay);
    relay_threads->start();
    server::AttachmentRelayOptions files;
    files.upstream = relay.upstream;
    files.backoff_min = relay.backoff_min;
    files.backoff_max = relay.backoff_max;
    files.stall_probe_after = relay.stall_probe_after;
    files.link_probe = relay.link_probe;
    files.unanswered_limit = relay.unanswered_limit;
    file_sender = std::make_unique<server::AttachmentRelay>(centre->attachments(), files);
    file_sender->start();
  }
  if (central) {
    server::log_info("central server for " + std::to_string(options.centres.size()) + " centres serving on " +
                     http.address + ":" + std::to_string(port) + ", database " + a.db +
                     " (synchronous=" + a.synchronous + ")");
  } else {
    server::log_info("centre " + centre->catalogue().centre.id + " serving on " + http.address + ":" +
                     std::to_string(port) + ", business day " + centre->business_day() + ", database " + a.db +
                     " (synchronous=" + a.synchronous + ")" +
                     (options.relay ? ", relaying to " + a.upstream + " as " + a.upstream_device : std::string()));
  }
  http_server->run();
  server::log_info("stopping: finishing what is being stored");
  if (file_sender) file_sender->stop();
  if (relay_threads) relay_threads->stop();
  centre->shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Guichet centre server: the queue authority of a service centre"};
  app.require_subcommand(1);

  ServeArgs s;
  auto* serve_cmd = app.add_subcommand("serve", "Run the server");
  serve_cmd->add_option("--role", s.role, "centre (a service centre's node) or central")->capture_default_str();
  serve_cmd->add_option("--db", s.db, "SQLite database file (created when missing)")->required();
  serve_cmd->add_option("--catalogue", s.catalogue, "centre: the service catalogue (TOML)");
  serve_cmd->add_option("--catalogue-dir", s.catalogue_dir,
                        "central: a directory with one catalogue (TOML) per centre");
  serve_cmd->add_option("--upstream", s.upstream, "centre: the central server's URL, e.g. http://central:8080");
  serve_cmd->add_option("--upstream-device", s.upstream_device, "centre: this centre's device id at central");
  serve_cmd->add_option("--upstream-secret-file", s.upstream_secret_file,
                        "centre: file holding this centre's device secret at central");
  serve_cmd
      ->add_option("--upstream-poll", s.upstream_poll_seconds, "centre: seconds between reads of central's changes")
      ->capture_default_str();
  serve_cmd->add_option("--listen", s.listen, "address:port to listen on (port 0 = any free port)")
      ->capture_default_str();
  serve_cmd->add_option("--port-file", s.port_file, "write the port listened on to this file once ready");
  serve_cmd->add_option("--time-origin", s.time_origin,
                        "simulated clock: start at this ISO 8601 time (default: the real clock)");
  serve_cmd->add_option("--time-scale", s.time_scale, "simulated clock: run this many times faster than real time")
      ->capture_default_str();
  serve_cmd->add_option("--threads", s.threads, "network threads (0 = one per core)")->capture_default_str();
  serve_cmd->add_option("--sse-keepalive", s.keep_alive_seconds, "seconds between keep-alive comments on the live feed")
      ->capture_default_str();
  serve_cmd->add_flag("--log-requests", s.log_requests, "log one line per request (method, path, status, time)");
  serve_cmd
      ->add_option("--synchronous", s.synchronous,
                   "full: an answered write survives a power cut (default); normal: it survives a crash of "
                   "the server but the last writes may be lost on a power cut")
      ->capture_default_str();

  std::string db, id, name, role, kind, secret_file;
  auto* init_cmd = app.add_subcommand("init", "Create the database (or bring its schema up to date)");
  init_cmd->add_option("--db", db, "SQLite database file")->required();

  auto* op_cmd = app.add_subcommand("add-operator", "Add an operator; the PIN is read from standard input");
  op_cmd->add_option("--db", db, "SQLite database file")->required();
  op_cmd->add_option("--id", id, "operator id")->required();
  op_cmd->add_option("--name", name, "operator's name")->required();
  std::string department;
  op_cmd->add_option("--role", role, "operator, manager, admin or officer (central)")->required();
  op_cmd->add_option("--department", department, "officers: their department's id, e.g. revenue");

  auto* dev_cmd = app.add_subcommand("add-device", "Register a kiosk, counter or display and create its secret");
  dev_cmd->add_option("--db", db, "SQLite database file")->required();
  dev_cmd->add_option("--id", id, "device id")->required();
  dev_cmd->add_option("--kind", kind, "kiosk, counter or display; at central, centre (the id is the centre id)")
      ->required();
  dev_cmd->add_option("--secret-file", secret_file, "write the secret here (mode 0600) instead of standard output");

  auto* rev_cmd = app.add_subcommand("revoke-device", "Revoke a device: its requests are refused from now on");
  rev_cmd->add_option("--db", db, "SQLite database file")->required();
  rev_cmd->add_option("--id", id, "device id")->required();

  std::string expires_in = "24h";
  auto* code_cmd = app.add_subcommand(
      "enroll-code", "Create a one-time code a terminal enrolls with (guichet-kiosk --enroll CODE); prints the code");
  code_cmd->add_option("--db", db, "SQLite database file")->required();
  code_cmd->add_option("--kind", kind, "kiosk, counter or display")->required();
  code_cmd->add_option("--id", id, "the device id to give (default: the next free one, e.g. K7)");
  code_cmd->add_option("--name", name, "a name for the device, e.g. \"Entrance kiosk\"");
  code_cmd->add_option("--expires-in", expires_in, "how long the code is valid: 30m, 24h, 7d (at most 30d)")
      ->capture_default_str();

  auto* codes_cmd = app.add_subcommand(
      "enroll-codes",
      "List enrollment codes: reference, kind, device id, name, created, expires, state (never the code)");
  codes_cmd->add_option("--db", db, "SQLite database file")->required();

  std::string code_ref;
  auto* cancel_cmd = app.add_subcommand("enroll-cancel", "Cancel an unused enrollment code: it is refused from now on");
  cancel_cmd->add_option("--db", db, "SQLite database file")->required();
  cancel_cmd->add_option("code", code_ref, "the code's reference from enroll-codes (e.g. 3f9c2a1b), or the code itself")
      ->required();

  auto* devices_cmd =
      app.add_subcommand("devices", "List devices: id, kind, name, created, active or revoked (never a secret)");
  devices_cmd->add_option("--db", db, "SQLite database file")->required();

  CLI11_PARSE(app, argc, argv);

  if (serve_cmd->parsed()) return serve(s);
  if (init_cmd->parsed()) {
    auto r = server::init_database(db);
    if (!r) return fail(r.error().message);
    std::cerr << r.value() << "\n";
    return 0;
  }
  if (op_cmd->parsed()) {
    std::string pin;
    std::getline(std::cin, pin);
    if (!pin.empty() && pin.back() == '\r') pin.pop_back();
    auto r = server::add_operator(db, id, name, role, pin, department);
    std::fill(pin.begin(), pin.end(), '\0');
    if (!r) return fail(r.error().message);
    std::cerr << r.value() << "\n";
    return 0;
  }
  if (dev_cmd->parsed()) {
    auto r = server::add_device(db, id, kind);
    if (!r) return fail(r.error().message);
    if (!secret_file.empty()) {
      if (!guichet::store::write_file_atomically(secret_file, r->secret + "\n", 0600)) {
        return fail("device " + id + " was added but its secret could not be written to " + secret_file +
                    "; revoke it and add it again");
      }
      std::cerr << r->message << "; secret written to " << secret_file << "\n";
    } else {
      std::cout << r->secret << "\n";
      std::cerr << r->message << "; its secret is shown above, once\n";
    }
    return 0;
  }
  if (code_cmd->parsed()) {
    auto lifetime = server::parse_duration(expires_in);
    if (!lifetime) return fail("--expires-in must be a duration such as 30m, 24h or 7d");
    auto r = server::create_enrollment_code(db, kind, id, name, *lifetime);
    if (!r) return fail(r.error().message);
    std::cout << r->code << "\n";
    std::cerr << "enrollment code for a " << kind << (id.empty() ? std::string() : " with device id " + id)
              << ", valid once until " << domain::format_iso_local(domain::from_unix_ms(r->record.expires_ms), 0)
              << "; it is shown above and is not stored\n";
    return 0;
  }
  if (codes_cmd->parsed()) {
    auto r = server::enrollment_codes_report(db);
    if (!r) return fail(r.error().message);
    std::cout << r.value();
    return 0;
  }
  if (cancel_cmd->parsed()) {
    auto r = server::cancel_enrollment_code(db, code_ref);
    if (!r) return fail(r.error().message);
    std::cerr << r.value() << "\n";
    return 0;
  }
  if (devices_cmd->parsed()) {
    auto r = server::devices_report(db);
    if (!r) return fail(r.error().message);
    std::cout << r.value();
    return 0;
  }
  if (rev_cmd->parsed()) {
    auto r = server::revoke_device(db, id);
    if (!r) return fail(r.error().message);
    std::cerr << r.value() << "\n";
    return 0;
  }
  return 1;
}
