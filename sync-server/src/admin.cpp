#include "guichet/server/admin.hpp"

#include <algorithm>
#include <cctype>

#include "guichet/server/clock.hpp"
#include "guichet/server/credentials.hpp"
#include "guichet/server/enrollment.hpp"
#include "guichet/server/storage.hpp"

namespace guichet::server {

bool valid_id(const std::string& id) {
  return !id.empty() && id.size() <= 32 &&
         std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
}

AdminResult init_database(const std::string& db_path) {
  try {
    store::Db db = open_database(db_path);
    return "database " + db_path + " is ready (schema version " + std::to_string(db.schema_version()) + ")";
  } catch (const store::DbError& e) {
    return AdminError{e.what()};
  }
}

AdminResult add_operator(const std::string& db_path, const std::string& id, const std::string& name,
                         const std::string& role, const std::string& pin, const std::string& department) {
  if (!valid_id(id)) return AdminError{"operator id '" + id + "' must be 1 to 32 letters, digits, '-' or '_'"};
  if (name.empty() || name.size() > 100) return AdminError{"the operator's name must be 1 to 100 characters"};
  auto parsed_role = parse_role(role);
  if (!parsed_role) return AdminError{"role '" + role + "' is not one of operator, manager, admin, officer"};
  if (*parsed_role == Role::Officer && !valid_id(department)) {
    return AdminError{"an officer needs --department, the id of their department (e.g. revenue)"};
  }
  if (*parsed_role != Role::Officer && !department.empty()) {
    return AdminError{"--department is for officers (role officer) only"};
  }
  if (auto problem = pin_format_problem(pin)) return AdminError{"PIN refused: " + *problem};
  try {
    store::Db db = open_database(db_path);
    Repository repo(db);
    if (repo.operator_record(id)) return AdminError{"operator " + id + " already exists"};
    repo.insert_operator(OperatorRecord{id, name, *parsed_role, hash_pin(pin), wall_ms(), department});
    return "operator " + id + " added with role " + role +
           (department.empty() ? std::string() : " in department " + department);
  } catch (const std::exception& e) {
    return AdminError{e.what()};
  }
}

domain::Result<NewDevice, AdminError> add_device(const std::string& db_path, const std::string& id,
                                                 const std::string& kind) {
  if (!valid_id(id)) return AdminError{"device id '" + id + "' must be 1 to 32 letters, digits, '-' or '_'"};
  auto parsed_kind = parse_device_kind(kind);
  if (!parsed_kind) return AdminError{"device kind '" + kind + "' is not one of kiosk, counter, display, centre"};
  try {
    store::Db db = open_database(db_path);
    Repository repo(db);
    if (repo.device(id)) return AdminError{"device " + id + " already exists"};
    NewDevice out;
    out.secret = random_hex(32);
    repo.insert_device(DeviceRecord{id, *parsed_kind, secret_hash(out.secret), wall_ms(), std::nullopt, ""});
    out.message = "device " + id + " (" + kind + ") added";
    return out;
  } catch (const std::exception& e) {
    return AdminError{e.what()};
  }
}

AdminResult revoke_device(const std::string& db_path, const std::string& id) {
  try {
    store::Db db = open_database(db_path);
    Repository repo(db);
    if (!repo.revoke_device(id, wall_ms())) return AdminError{"there is no device " + id};
    return "device " + id + " revoked";
  } catch (const store::DbError& e) {
    return AdminError{e.what()};
  }
}

bool valid_device_name(const std::string& name) {
  return name.size() <= 100 &&
         std::none_of(name.begin(), name.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

domain::Result<NewEnrollmentCode, AdminError> prepare_enrollment_code(
    Repository& repo, const std::string& kind, const std::string& chosen_id, const std::string& name,
    std::chrono::milliseconds lifetime, const std::string& created_by, std::int64_t now_ms) {
  auto parsed_kind = parse_device_kind(kind);
  if (!parsed_kind || *parsed_kind == DeviceKind::Centre) {
    return AdminError{"device kind '" + kind + "' is not one of kiosk, counter, display"};
  }
  if (!chosen_id.empty()) {
    if (!valid_id(chosen_id)) {
      return AdminError{"device id '" + chosen_id + "' must be 1 to 32 letters, digits, '-' or '_'"};
    }
    if (repo.device(chosen_id)) return AdminError{"device " + chosen_id + " already exists"};
    if (repo.enrollment_id_reserved(chosen_id, now_ms)) {
      return AdminError{"an unused enrollment code for device " + chosen_id + " already exists"};
    }
  }
  if (!valid_device_name(name)) return AdminError{"the device name must be up to 100 characters, on one line"};
  if (lifetime <= std::chrono::milliseconds::zero() || lifetime > kMaxEnrollmentLifetime) {
    return AdminError{"an enrollment code lasts from a minute to 30 days"};
  }
  NewEnrollmentCode out;
  const std::string plain = generate_enrollment_code();
  out.code = format_enrollment_code(plain);
  out.record.code_hash = enrollment_code_hash(plain);
  out.record.kind = *parsed_kind;
  out.record.chosen_id = chosen_id;
  out.record.name = name;
  out.record.created_by = created_by;
  out.record.created_ms = now_ms;
  out.record.expires_ms = now_ms + lifetime.count();
  return out;
}

domain::Result<NewEnrollmentCode, AdminError> create_enrollment_code(const std::string& db_path,
                                                                     const std::string& kind,
                                                                     const std::string& chosen_id,
                                                                     const std::string& name,
                                                                     std::chrono::milliseconds lifetime) {
  try {
    store::Db db = open_database(db_path);
    Repository repo(db);
    auto made = prepare_enrollment_code(repo, kind, chosen_id, name, lifetime, "command line", wall_ms());
    if (made) repo.insert_enrollment_code(made->record);
    return made;
  } catch (const std::exception& e) {
    return AdminError{e.what()};
  }
}

}  // namespace guichet::server
