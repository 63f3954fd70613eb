// Administration of a centre's database, behind the guichet-server subcommands: create it, add
// operators and devices, list and revoke devices, create, list and cancel enrollment codes. Each returns a sentence for
// people or an error message.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

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

// Where an enrollment code stands. A cancelled code has `cancelled_ms` (when) and was never used;
// databases from before migration 6 stored a cancellation as a use by no device and are migrated.
enum class EnrollmentCodeState { Unused, Used, Expired, Cancelled };
const char* to_string(EnrollmentCodeState);
bool enrollment_code_cancelled(const EnrollmentCodeRecord& c);
EnrollmentCodeState enrollment_code_state(const EnrollmentCodeRecord& c, std::int64_t now_ms);

// How a code is named in listings and by `enroll-cancel`: the first 8 hex digits of its hash. The
// hash cannot be turned back into the code, so the reference is safe to show and to log.
inline constexpr std::size_t kEnrollmentRefLength = 8;
std::string enrollment_code_ref(const EnrollmentCodeRecord& c);

struct EnrollmentCodeListing {
  std::string ref;
  EnrollmentCodeState state = EnrollmentCodeState::Unused;
  EnrollmentCodeRecord record;
};
// Every code, newest first.
std::vector<EnrollmentCodeListing> list_enrollment_codes(store::Db& db, std::int64_t now_ms);
// The `enroll-codes` command: one line per code (never the code itself), times in UTC.
AdminResult enrollment_codes_report(const std::string& db_path);
// One line of that report, without the trailing newline.
std::string format_enrollment_code_line(const EnrollmentCodeListing& c, int utc_offset_minutes);

// Cancels an unused code, named by its reference (at least 6 hex digits of it) or by the code
// itself. A used, expired or already cancelled code is left as it is and the error says why.
AdminResult cancel_enrollment_code(store::Db& db, const std::string& ref_or_code, std::int64_t now_ms,
                                   int utc_offset_minutes);
AdminResult cancel_enrollment_code(const std::string& db_path, const std::string& ref_or_code);

// Every device, by id.
std::vector<DeviceRecord> list_devices(store::Db& db);
// The `devices` command: one line per device (id, kind, name, created, active or revoked).
AdminResult devices_report(const std::string& db_path);
std::string format_device_line(const DeviceRecord& d, int utc_offset_minutes);

}  // namespace guichet::server
