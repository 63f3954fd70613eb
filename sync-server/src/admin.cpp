#include "guichet/server/admin.hpp"

#include <algorithm>
#include <cctype>

#include "guichet/server/clock.hpp"
#include "guichet/server/credentials.hpp"
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
                         const std::string& role, const std::string& pin) {
  if (!valid_id(id)) return AdminError{"operator id '" + id + "' must be 1 to 32 letters, digits, '-' or '_'"};
  if (name.empty() || name.size() > 100) return AdminError{"the operator's name must be 1 to 100 characters"};
  auto parsed_role = parse_role(role);
  if (!parsed_role) return AdminError{"role '" + role + "' is not one of operator, manager, admin"};
  if (auto problem = pin_format_problem(pin)) return AdminError{"PIN refused: " + *problem};
  try {
    store::Db db = open_database(db_path);
    Repository repo(db);
    if (repo.operator_record(id)) return AdminError{"operator " + id + " already exists"};
    repo.insert_operator(OperatorRecord{id, name, *parsed_role, hash_pin(pin), wall_ms()});
    return "operator " + id + " added with role " + role;
  } catch (const std::exception& e) {
    return AdminError{e.what()};
  }
}

domain::Result<NewDevice, AdminError> add_device(const std::string& db_path, const std::string& id,
                                                 const std::string& kind) {
  if (!valid_id(id)) return AdminError{"device id '" + id + "' must be 1 to 32 letters, digits, '-' or '_'"};
  auto parsed_kind = parse_device_kind(kind);
  if (!parsed_kind) return AdminError{"device kind '" + kind + "' is not one of kiosk, counter, display"};
  try {
    store::Db db = open_database(db_path);
    Repository repo(db);
    if (repo.device(id)) return AdminError{"device " + id + " already exists"};
    NewDevice out;
    out.secret = random_hex(32);
    repo.insert_device(DeviceRecord{id, *parsed_kind, secret_hash(out.secret), wall_ms(), std::nullopt});
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

}  // namespace guichet::server
