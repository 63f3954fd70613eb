#include "guichet/sync/enrollment.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "guichet/store/files.hpp"
#include "guichet/sync/client.hpp"

namespace guichet::sync {
namespace {

std::string trimmed_file(const std::filesystem::path& path, bool& readable) {
  std::ifstream in(path, std::ios::binary);
  readable = static_cast<bool>(in);
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
}

bool is_device_id(const std::string& id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

bool is_secret(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string random_nonce() {
  std::random_device device;  // the kernel's random source
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 8; ++i) {
    unsigned v = device();
    for (int k = 0; k < 4; ++k) {
      out += kHex[(v >> (k * 8)) & 0xf];
      out += kHex[(v >> (k * 8 + 4)) & 0xf];
    }
  }
  return out;
}

}  // namespace

std::filesystem::path device_id_path(const std::filesystem::path& dir) { return dir / "device-id"; }
std::filesystem::path device_secret_path(const std::filesystem::path& dir) { return dir / "device.secret"; }
std::filesystem::path enroll_pending_path(const std::filesystem::path& dir) { return dir / "enroll.pending"; }

// True when the data directory holds credentials (whole or damaged).
bool has_stored_credentials(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::exists(device_id_path(dir), ec) || std::filesystem::exists(device_secret_path(dir), ec);
}

// Reads the credentials an enrollment stored. The error says what is missing or damaged.
domain::Result<DeviceCredentials, std::string> load_credentials(const std::filesystem::path& dir) {
  const auto id_path = device_id_path(dir), secret_path = device_secret_path(dir);
  if (!has_stored_credentials(dir)) {
    return std::string("no device credentials in " + dir.string() +
                       ": enroll this terminal with --enroll CODE (a code from the centre's administrator), or give "
                       "--device and --secret-file");
  }
  const std::string damaged = "the device credentials in " + dir.string() + " are damaged: ";
  const std::string advice = "; ask the administrator for a new enrollment code and enroll again with --enroll CODE";
  bool readable = false;
  DeviceCredentials c;
  c.device_id = trimmed_file(id_path, readable);
  if (!readable) return damaged + id_path.filename().string() + " is missing or cannot be read" + advice;
  if (!is_device_id(c.device_id)) {
    return damaged + id_path.filename().string() + " does not hold a device id" + advice;
  }
  c.secret = trimmed_file(secret_path, readable);
  if (!readable) return damaged + secret_path.filename().string() + " is missing or cannot be read" + advice;
  if (!is_secret(c.secret)) {
    return damaged + secret_path.filename().string() + " does not hold a device secret (64 hex digits)" + advice;
  }
  c.secret_file = secret_path;
  return c;
}

// Sends the code, stores what the server answers and returns it. Nothing is stored when the
// server refuses; the error is the server's message.
domain::Result<DeviceCredentials, std::string> enroll(const EnrollOptions& o) {
  std::error_code ec;
  std::filesystem::create_directories(o.data_dir, ec);
  if (ec) return std::string("--data-dir " + o.data_dir.string() + ": " + ec.message());
  if (has_stored_credentials(o.data_dir)) {
    return std::string("the data directory " + o.data_dir.string() +
                       " already holds this terminal's device credentials (device-id, device.secret); a terminal "
                       "enrolls once. To enroll it again, move those files away first");
  }
  // The nonce outlives a crash or a lost answer: a retry sends the same one.
  bool readable = false;
  std::string nonce = trimmed_file(enroll_pending_path(o.data_dir), readable);
  if (nonce.size() < 16) {
    nonce = random_nonce();
    if (!store::write_file_atomically(enroll_pending_path(o.data_dir), nonce + "\n", 0600)) {
      return std::string("cannot write " + enroll_pending_path(o.data_dir).string());
    }
  }
  json body = {{"code", o.code}, {"kind", o.kind}, {"nonce", nonce}};
  if (!o.name.empty()) body["name"] = o.name;
  ApiClient client({o.server, "", ""});
  RequestOptions request;
  request.timeout = std::chrono::seconds(10);
  HttpResponse r;
  for (int attempt = 1;; ++attempt) {
    r = client.post("/api/v1/enroll", body, request);
    const bool again = r.transient() || r.status == 429;
    if (!again || attempt >= o.attempts) break;
    const int wait_s = r.status == 429 && r.retry_after_seconds > 0 ? r.retry_after_seconds : attempt;
    if (wait_s > 30) break;
    std::this_thread::sleep_for(std::chrono::seconds(wait_s));
  }
  if (r.status != 201) {
    if (r.status == 0) return "cannot reach the centre server at " + o.server + ": " + r.error_message();
    return "the centre server refused the enrollment (" + std::to_string(r.status) + "): " + r.error_message();
  }
  DeviceCredentials c;
  try {
    auto answer = json::parse(r.body);
    c.device_id = answer.at("device_id").get<std::string>();
    c.secret = answer.at("secret").get<std::string>();
  } catch (const std::exception&) {
    return std::string("the centre server's answer to the enrollment is not understood");
  }
  if (!is_device_id(c.device_id) || !is_secret(c.secret)) {
    return std::string("the centre server's answer to the enrollment is not understood");
  }
  c.secret_file = device_secret_path(o.data_dir);
  // The secret first: device-id present means the credentials are complete.
  if (!store::write_file_atomically(c.secret_file, c.secret + "\n", 0600) ||
      !store::write_file_atomically(device_id_path(o.data_dir), c.device_id + "\n", 0644)) {
    return "enrolled as device " + c.device_id + " but its credentials could not be written to " + o.data_dir.string() +
           "; free the disk, remove any device.secret there and enroll again with the same code within 15 minutes";
  }
  std::filesystem::remove(enroll_pending_path(o.data_dir), ec);
  return c;
}

}  // namespace guichet::sync
