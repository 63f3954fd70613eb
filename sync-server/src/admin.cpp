#include "guichet/server/admin.hpp"

#include <algorithm>
#include <cctype>

#include "guichet/domain/time.hpp"
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

const char* to_string(EnrollmentCodeState s) {
  switch (s) {
    case EnrollmentCodeState::Unused:
      return "unused";
    case EnrollmentCodeState::Used:
      return "used";
    case EnrollmentCodeState::Expired:
      return "expired";
    case EnrollmentCodeState::Cancelled:
      return "cancelled";
  }
  return "unknown";
}

bool enrollment_code_cancelled(const EnrollmentCodeRecord& c) { return c.cancelled_ms.has_value(); }

EnrollmentCodeState enrollment_code_state(const EnrollmentCodeRecord& c, std::int64_t now_ms) {
  if (enrollment_code_cancelled(c)) return EnrollmentCodeState::Cancelled;
  if (c.used_ms) return EnrollmentCodeState::Used;
  if (c.expires_ms <= now_ms) return EnrollmentCodeState::Expired;
  return EnrollmentCodeState::Unused;
}

std::string enrollment_code_ref(const EnrollmentCodeRecord& c) { return c.code_hash.substr(0, kEnrollmentRefLength); }

namespace {

constexpr const char* kCodeColumns =
    "SELECT code_hash, kind, chosen_id, name, created_by, created_ms, expires_ms, used_ms, device_id, nonce_hash, "
    "cancelled_ms FROM enrollment_codes";

EnrollmentCodeRecord code_from_row(store::Statement& st) {
  EnrollmentCodeRecord c;
  c.code_hash = st.text(0);
  auto kind = parse_device_kind(st.text(1));
  if (!kind) throw store::DbError(SQLITE_CORRUPT, "an enrollment code has an unknown device kind");
  c.kind = *kind;
  c.chosen_id = st.text(2);
  c.name = st.text(3);
  c.created_by = st.text(4);
  c.created_ms = st.int64(5);
  c.expires_ms = st.int64(6);
  if (!st.is_null(7)) c.used_ms = st.int64(7);
  c.device_id = st.text(8);
  c.nonce_hash = st.text(9);
  if (!st.is_null(10)) c.cancelled_ms = st.int64(10);
  return c;
}

std::string when(std::int64_t ms, int offset) { return domain::format_iso_local(domain::from_unix_ms(ms), offset); }

bool is_ref(const std::string& s) {
  return s.size() >= 6 && s.size() <= 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

std::vector<EnrollmentCodeListing> list_enrollment_codes(store::Db& db, std::int64_t now_ms) {
  store::Statement st = db.prepare(std::string(kCodeColumns) + " ORDER BY created_ms DESC, code_hash");
  std::vector<EnrollmentCodeListing> out;
  while (st.step()) {
    EnrollmentCodeListing l;
    l.record = code_from_row(st);
    l.ref = enrollment_code_ref(l.record);
    l.state = enrollment_code_state(l.record, now_ms);
    out.push_back(std::move(l));
  }
  return out;
}

std::string format_enrollment_code_line(const EnrollmentCodeListing& c, int utc_offset_minutes) {
  const EnrollmentCodeRecord& r = c.record;
  std::string line = c.ref + "  " + to_string(r.kind) + "  ";
  line += r.chosen_id.empty() ? std::string("(next free id)") : "id " + r.chosen_id;
  line += "  name \"" + r.name + "\"";
  line += "  created " + when(r.created_ms, utc_offset_minutes) + " by " + r.created_by;
  line += "  expires " + when(r.expires_ms, utc_offset_minutes) + "  ";
  line += to_string(c.state);
  if (c.state == EnrollmentCodeState::Used)
    line += " by device " + r.device_id + " on " + when(*r.used_ms, utc_offset_minutes);
  if (c.state == EnrollmentCodeState::Cancelled) line += " on " + when(*r.cancelled_ms, utc_offset_minutes);
  return line;
}

AdminResult enrollment_codes_report(const std::string& db_path) {
  try {
    store::Db db = open_database(db_path);
    auto codes = list_enrollment_codes(db, wall_ms());
    if (codes.empty()) return std::string("no enrollment codes\n");
    std::string out;
    for (const auto& c : codes) out += format_enrollment_code_line(c, 0) + "\n";
    return out;
  } catch (const std::exception& e) {
    return AdminError{e.what()};
  }
}

AdminResult cancel_enrollment_code(store::Db& db, const std::string& ref_or_code, std::int64_t now_ms,
                                   int utc_offset_minutes) {
  std::vector<EnrollmentCodeRecord> found;
  if (is_ref(ref_or_code)) {
    store::Statement st = db.prepare(std::string(kCodeColumns) + " WHERE substr(code_hash, 1, ?2) = ?1");
    st.bind(1, ref_or_code).bind(2, static_cast<std::int64_t>(ref_or_code.size()));
    while (st.step()) found.push_back(code_from_row(st));
  }
  if (found.empty()) {
    if (auto plain = normalize_enrollment_code(ref_or_code)) {
      store::Statement st = db.prepare(std::string(kCodeColumns) + " WHERE code_hash = ?1");
      st.bind(1, enrollment_code_hash(*plain));
      while (st.step()) found.push_back(code_from_row(st));
    }
  }
  if (found.empty()) {
    return AdminError{"there is no enrollment code '" + ref_or_code +
                      "': give the reference shown by enroll-codes (e.g. 3f9c2a1b) or the code itself"};
  }
  if (found.size() > 1) {
    return AdminError{"'" + ref_or_code + "' names " + std::to_string(found.size()) +
                      " enrollment codes; give more digits of the reference"};
  }
  const EnrollmentCodeRecord& c = found.front();
  const std::string ref = enrollment_code_ref(c);
  switch (enrollment_code_state(c, now_ms)) {
    case EnrollmentCodeState::Cancelled:
      return AdminError{"enrollment code " + ref + " was already cancelled on " +
                        when(*c.cancelled_ms, utc_offset_minutes)};
    case EnrollmentCodeState::Used:
      return AdminError{"enrollment code " + ref + " was already used by device " + c.device_id + " on " +
                        when(*c.used_ms, utc_offset_minutes) +
                        "; to shut that device out, revoke it (revoke-device --id " + c.device_id + ")"};
    case EnrollmentCodeState::Expired:
      return AdminError{"enrollment code " + ref + " already expired on " + when(c.expires_ms, utc_offset_minutes) +
                        "; it cannot be used any more"};
    case EnrollmentCodeState::Unused:
      break;
  }
  store::Statement st = db.prepare(
      "UPDATE enrollment_codes SET cancelled_ms = ?2 WHERE code_hash = ?1 AND used_ms IS NULL AND cancelled_ms IS "
      "NULL");
  st.bind(1, c.code_hash).bind(2, now_ms).run();
  if (db.changes() == 0) return AdminError{"enrollment code " + ref + " was used or cancelled meanwhile"};
  return "enrollment code " + ref + " (" + to_string(c.kind) +
         (c.chosen_id.empty() ? std::string() : ", device id " + c.chosen_id) + ") cancelled";
}

AdminResult cancel_enrollment_code(const std::string& db_path, const std::string& ref_or_code) {
  try {
    store::Db db = open_database(db_path);
    return cancel_enrollment_code(db, ref_or_code, wall_ms(), 0);
  } catch (const std::exception& e) {
    return AdminError{e.what()};
  }
}

std::vector<DeviceRecord> list_devices(store::Db& db) {
  store::Statement st = db.prepare("SELECT id, kind, created_ms, revoked_ms, name FROM devices ORDER BY id");
  std::vector<DeviceRecord> out;
  while (st.step()) {
    DeviceRecord d;
    d.id = st.text(0);
    auto kind = parse_device_kind(st.text(1));
    if (!kind) throw store::DbError(SQLITE_CORRUPT, "device " + d.id + " has an unknown kind");
    d.kind = *kind;
    d.created_ms = st.int64(2);
    if (!st.is_null(3)) d.revoked_ms = st.int64(3);
    d.name = st.text(4);
    out.push_back(std::move(d));
  }
  return out;
}

std::string format_device_line(const DeviceRecord& d, int utc_offset_minutes) {
  std::string line = d.id + "  " + to_string(d.kind) + "  name \"" + d.name + "\"  created " +
                     when(d.created_ms, utc_offset_minutes) + "  ";
  line += d.revoked_ms ? "revoked on " + when(*d.revoked_ms, utc_offset_minutes) : std::string("active");
  return line;
}

AdminResult devices_report(const std::string& db_path) {
  try {
    store::Db db = open_database(db_path);
    auto devices = list_devices(db);
    if (devices.empty()) return std::string("no devices\n");
    std::string out;
    for (const auto& d : devices) out += format_device_line(d, 0) + "\n";
    return out;
  } catch (const std::exception& e) {
    return AdminError{e.what()};
  }
}

}  // namespace guichet::server
