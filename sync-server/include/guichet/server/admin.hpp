// Administration of a centre's database, behind the guichet-server subcommands: create it, add
// operators and devices, revoke a device, create enrollment codes. Each returns a sentence for
// people or an error message.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "guichet/domain/result.hpp"
#include "guichet/server/storage.hpp"

namespace guichet::server {

struct AdminError {
  std::string message;
};
using AdminResult = domain::Result<std::string, AdminError>;

// Ids of operators and devices: 1 to 32 letters, digits, '-' or '_'.
bool valid_id(const std::string& id);

AdminResult init_database(const std::string& db_path);
AdminResult add_operator(const std::string& db_path, const std::string& id, const std::string& name,
                         const std::string& role, const std::string& pin, const std::string& department = "");

struct NewDevice {
  std::string message;
  std::string secret;  // hex; shown once, never stored
};
domain::Result<NewDevice, AdminError> add_device(const std::string& db_path, const std::string& id,
                                                 const std::string& kind);
AdminResult revoke_device(const std::string& db_path, const std::string& id);

// A device name given at enrollment: up to 100 characters, no control characters (empty is fine).
bool valid_device_name(const std::string& name);

struct NewEnrollmentCode {
  std::string code;  // grouped, "7KQ4-M9XT-2R"; shown once, never stored
  EnrollmentCodeRecord record;
};
// Checks the request against the database and draws a new code; the caller stores the record.
// `chosen_id` and `name` may be empty.
domain::Result<NewEnrollmentCode, AdminError> prepare_enrollment_code(
    Repository& repo, const std::string& kind, const std::string& chosen_id, const std::string& name,
    std::chrono::milliseconds lifetime, const std::string& created_by, std::int64_t now_ms);
// The `enroll-code` command: creates and stores a code.
domain::Result<NewEnrollmentCode, AdminError> create_enrollment_code(const std::string& db_path,
                                                                     const std::string& kind,
                                                                     const std::string& chosen_id,
                                                                     const std::string& name,
                                                                     std::chrono::milliseconds lifetime);

}  // namespace guichet::server
