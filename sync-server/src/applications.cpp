#include "guichet/server/applications.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "guichet/domain/calendar.hpp"
#include "guichet/domain/form.hpp"
#include "guichet/domain/time.hpp"
#include "guichet/server/wire_json.hpp"

namespace guichet::server {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxDocuments = 100;
constexpr std::size_t kMaxFields = 200;

Response bad(const std::string& message) { return Response::error(400, "bad_request", message); }
Response unprocessable(const std::string& code, const std::string& message) {
  return Response::error(422, code, message);
}

// A string field: nullopt and `out` set, or the refusal.
std::optional<Response> text(const json& body, const char* name, bool required, std::size_t max, std::string& out) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return bad(std::string("field '") + name + "' is missing");
    return std::nullopt;
  }
  if (!it->is_string()) return bad(std::string("field '") + name + "' must be a string");
  out = it->get<std::string>();
  if (required && out.empty()) return bad(std::string("field '") + name + "' must not be empty");
  if (out.size() > max) {
    return bad(std::string("field '") + name + "' is longer than " + std::to_string(max) + " characters");
  }
  return std::nullopt;
}

std::optional<Response> date(const json& body, const char* name, std::string& out, domain::Date& parsed) {
  if (auto e = text(body, name, true, 10, out)) return e;
  if (!domain::parse_date(out, parsed) || domain::format_date(parsed) != out) {
    return bad(std::string("field '") + name + "' must be a date, YYYY-MM-DD (got \"" + out + "\")");
  }
  return std::nullopt;
}

}  // namespace

bool receipt_belongs_to(const std::string& receipt, const std::string& centre_id, const std::string& device_id) {
  const std::string prefix = centre_id + "-" + device_id + "-";
  if (receipt.size() < prefix.size() + 6 || receipt.compare(0, prefix.size(), prefix) != 0) return false;
  return std::all_of(receipt.begin() + static_cast<std::ptrdiff_t>(prefix.size()), receipt.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

domain::Result<ApplicationRecord, Response> check_filing(const domain::Catalogue& catalogue,
                                                         const std::string& body_text, const std::string& device_id,
                                                         DeviceKind device_kind) {
  json body;
  try {
    body = json::parse(body_text);
  } catch (const json::parse_error& e) {
    return bad("the body is not valid JSON (at byte " + std::to_string(e.byte) + ")");
  }
  return check_filing(catalogue, body, device_id, device_kind);
}

domain::Result<ApplicationRecord, Response> check_filing(const domain::Catalogue& catalogue, const json& body,
                                                         const std::string& device_id, DeviceKind device_kind) {
  if (!body.is_object()) return bad("the body must be a JSON object");

  ApplicationRecord a;
  domain::Date filed_on{}, due_on{};
  if (auto e = text(body, "receipt", true, 100, a.receipt)) return *e;
  if (auto e = text(body, "service", true, 100, a.service)) return *e;
  if (auto e = text(body, "language", true, 16, a.language)) return *e;
  if (auto e = text(body, "channel", true, 16, a.channel)) return *e;
  if (auto e = text(body, "token", false, 64, a.token)) return *e;
  if (auto e = date(body, "filed_on", a.filed_on, filed_on)) return *e;
  if (auto e = date(body, "due_on", a.due_on, due_on)) return *e;

  auto fee = body.find("fee_minor");
  if (fee == body.end() || fee->is_null()) return bad("field 'fee_minor' is missing");
  if (!fee->is_number_integer() || fee->get<std::int64_t>() < 0) {
    return bad("field 'fee_minor' must be a whole number of minor units, 0 or more");
  }
  a.fee_minor = fee->get<std::int64_t>();

  std::map<std::string, std::string> submitted;
  auto fields = body.find("fields");
  if (fields == body.end() || fields->is_null()) return bad("field 'fields' is missing");
  if (!fields->is_object()) return bad("field 'fields' must be an object of field id to text");
  if (fields->size() > kMaxFields) return bad("field 'fields' has more than " + std::to_string(kMaxFields) + " values");
  for (auto it = fields->begin(); it != fields->end(); ++it) {
    if (!it.value().is_string()) return bad("fields['" + it.key().substr(0, 64) + "'] must be a string");
    submitted[it.key()] = it.value().get<std::string>();
  }

  struct Doc {
    std::string id;
    bool present = false;
  };
  std::vector<Doc> docs;
  auto documents = body.find("documents");
  if (documents != body.end() && !documents->is_null()) {
    if (!documents->is_array()) return bad("field 'documents' must be an array");
    if (documents->size() > kMaxDocuments) {
      return bad("field 'documents' has more than " + std::to_string(kMaxDocuments) + " entries");
    }
    for (std::size_t i = 0; i < documents->size(); ++i) {
      const json& d = (*documents)[i];
      const std::string where = "documents[" + std::to_string(i) + "]";
      if (!d.is_object()) return bad(where + " must be an object");
      Doc doc;
      auto id = d.find("id");
      if (id == d.end() || !id->is_string() || id->get<std::string>().empty() || id->get<std::string>().size() > 100) {
        return bad(where + ".id must be a document id");
      }
      doc.id = id->get<std::string>();
      auto present = d.find("present");
      if (present == d.end() || !present->is_boolean()) return bad(where + ".present must be true or false");
      doc.present = present->get<bool>();
      docs.push_back(std::move(doc));
    }
  }

  // The request is well formed; now its meaning.
  if (a.channel != "kiosk" && a.channel != "counter") {
    return bad("field 'channel' must be \"kiosk\" or \"counter\" (got \"" + a.channel + "\")");
  }
  const char* kind = to_string(device_kind);
  if (a.channel != kind) {
    return unprocessable("invalid_application",
                         "channel \"" + a.channel + "\" does not match device " + device_id + ", which is a " + kind);
  }
  if (a.channel == "kiosk" && a.fee_minor != 0) {
    return unprocessable("invalid_application",
                         "a kiosk collects no fee (fee_minor must be 0; it is paid at the counter)");
  }
  if (!receipt_belongs_to(a.receipt, catalogue.centre.id, device_id)) {
    return unprocessable("invalid_receipt", "receipt \"" + a.receipt + "\" is not one of device " + device_id +
                                                "'s: it must be " + catalogue.centre.id + "-" + device_id +
                                                "-<number of at least 6 digits>");
  }
  const domain::Service* service = catalogue.service(a.service);
  if (service == nullptr) {
    return Response::error(404, "unknown_service", "there is no service '" + a.service + "' in this centre");
  }

  domain::FormCheckOptions options;
  options.today = filed_on;
  domain::FormCheck check = domain::check_form(service->form, submitted, options);
  if (!check.ok()) {
    json problems = json::array();
    for (const auto& p : check.problems) {
      problems.push_back({{"field", p.field}, {"code", domain::field_problem_code(p.code)}, {"message", p.message}});
    }
    std::string message = check.problems.size() == 1
                              ? check.problems.front().message
                              : std::to_string(check.problems.size()) +
                                    " problems with the form; the first: " + check.problems.front().message;
    return Response::json(422, {{"error", {{"code", "invalid_form"}, {"message", message}, {"problems", problems}}}});
  }

  std::set<std::string> seen;
  json documents_out = json::array();
  for (const auto& d : docs) {
    const bool known = std::any_of(service->documents.begin(), service->documents.end(),
                                   [&d](const domain::RequiredDocument& r) { return r.id == d.id; });
    if (!known) {
      return unprocessable("unknown_document",
                           "service '" + a.service + "' asks for no document '" + d.id.substr(0, 100) + "'");
    }
    if (!seen.insert(d.id).second) {
      return unprocessable("unknown_document", "document '" + d.id + "' is listed twice");
    }
    documents_out.push_back({{"id", d.id}, {"present", d.present}});
  }

  const domain::Date expected =
      domain::due_date(catalogue.calendar, filed_on, service->time_limit_days, domain::Filed::AtCentre);
  if (expected != due_on) {
    return unprocessable("wrong_due_date", "due_on is " + a.due_on + " but an application of service '" + a.service +
                                               "' filed on " + a.filed_on + " is due on " +
                                               domain::format_date(expected));
  }

  json values = json::object();
  for (const auto& [id, value] : check.values) values[id] = value;
  a.fields_json = values.dump();
  a.documents_json = documents_out.dump();
  a.status = "received";
  return a;
}

std::string public_status_json(const ApplicationRecord& a, const std::vector<ApplicationHistoryEntry>& history,
                               int utc_offset_minutes) {
  // Written as text, keys sorted as the JSON tree of it prints them (a unit test holds the two
  // equal): every filing and status change writes one, and the tree cost more than the text.
  std::string out;
  out.reserve(160 + 64 * history.size());
  out += "{\"due_on\":";
  append_json_string(out, a.due_on);
  out += ",\"filed_on\":";
  append_json_string(out, a.filed_on);
  out += ",\"history\":[";
  for (std::size_t i = 0; i < history.size(); ++i) {
    const auto& e = history[i];
    if (i > 0) out += ',';
    out += "{\"at\":";
    append_iso_local(out, domain::from_unix_ms(e.at_ms), utc_offset_minutes);
    if (!e.note.empty()) {
      out += ",\"note\":";
      append_json_string(out, e.note);
    }
    out += ",\"status\":";
    append_json_string(out, e.status);
    out += '}';
  }
  out += "],\"receipt\":";
  append_json_string(out, a.receipt);
  out += ",\"service\":";
  append_json_string(out, a.service);
  out += ",\"status\":";
  append_json_string(out, a.status);
  out += ",\"updated_at\":";
  append_iso_local(out, domain::from_unix_ms(a.updated_ms), utc_offset_minutes);
  out += '}';
  return out;
}

}  // namespace guichet::server
