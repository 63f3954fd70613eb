// A terminal joins a centre with a one-time enrollment code (guichet-kiosk --enroll CODE,
// guichet-counter --enroll CODE) and keeps the device id and secret it receives in its data
// directory, where later starts find them. Used by both apps.
//
// Files in the data directory:
//   device-id       the device id, one line
//   device.secret   the device secret, one line, mode 0600
//   enroll.pending  the nonce of an enrollment whose answer has not been stored yet (mode 0600)
//
// The nonce is written before the code is sent, so a terminal that crashed or lost its connection
// after the server stored the enrollment sends the same nonce again and gets the same device back
// (with a new secret) instead of a refusal.
#pragma once

#include <filesystem>
#include <string>

#include "guichet/domain/result.hpp"

namespace guichet::sync {

struct DeviceCredentials {
  std::string device_id;
  std::string secret;
  std::filesystem::path secret_file;
};

std::filesystem::path device_id_path(const std::filesystem::path& dir);
std::filesystem::path device_secret_path(const std::filesystem::path& dir);
std::filesystem::path enroll_pending_path(const std::filesystem::path& dir);

// True when the data directory holds credentials (whole or damaged).
bool has_stored_credentials(const std::filesystem::path& dir);

// Reads the credentials an enrollment stored. The error says what is missing or damaged.
domain::Result<DeviceCredentials, std::string> load_credentials(const std::filesystem::path& dir);

struct EnrollOptions {
  std::string server;  // "http://127.0.0.1:8080"
  std::string code;    // as typed
  std::string kind;    // kiosk, counter or display
  std::string name;    // may be empty
  std::filesystem::path data_dir;
  int attempts = 6;  // tries while the server cannot be reached or asks to wait
};

// Sends the code, stores what the server answers and returns it. Nothing is stored when the
// server refuses; the error is the server's message.
domain::Result<DeviceCredentials, std::string> enroll(const EnrollOptions& o);

}  // namespace guichet::sync
