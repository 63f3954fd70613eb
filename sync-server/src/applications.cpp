#include "guichet/server/applications.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "guichet/domain/calendar.hpp"
#include "guichet/domain/form.hpp"
#include "guichet/domain/time.hpp"
#include "guichet/server/attachments.hpp"
#include "guichet/server/wire_json.hpp"
#include "padded_json.hpp"

namespace guichet::server {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxDocuments = 100;
constexpr std::size_t kMaxFields = 200;
constexpr std::size_t kMaxOperatorId = 64;
constexpr std::size_t kMaxFilesPerDocument = 20;
constexpr std::size_t kMaxFilesPerFiling = 60;

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
  // <centre>-<device>-<at least 6 digits>, read in place (every filing is checked twice).
  const std::string_view r(receipt);
  const std::size_t prefix = centre_id.size() + 1 + device_id.size() + 1;
  if (r.size() < prefix + 6 || !r.starts_with(centre_id) || r[centre_id.size()] != '-' ||
      r.substr(centre_id.size() + 1, device_id.size()) != device_id || r[prefix - 1] != '-') {
    return false;
  }
  return std::all_of(r.begin() + static_cast<std::ptrdiff_t>(prefix), r.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

namespace {

// What a filing says, read from its JSON (by either reader below), before its meaning is checked.
struct Filed {
  ApplicationRecord a;
  domain::Date filed_on{}, due_on{};
  std::map<std::string, std::string> submitted;
  struct File {
    std::string sha256, media_type;
    std::int64_t bytes = 0;
  };
  struct Doc {
    std::string id;
    bool present = false;
    std::vector<File> files;  // the pages scanned for it, in order (docs/server.md, "Attachments")
  };
  std::vector<Doc> docs;
};

std::string files_count_message() {
  return "field 'documents' names more than " + std::to_string(kMaxFilesPerFiling) + " files in all";
}

// A document entry's `files` as a tree: nullopt and `out` filled, or the refusal naming where.
std::optional<Response> read_files_tree(const json& files, const std::string& where, std::vector<Filed::File>& out) {
  if (files.is_null()) return std::nullopt;  // as if omitted
  if (!files.is_array()) return bad(where + " must be an array of files");
  if (files.size() > kMaxFilesPerDocument) {
    return bad(where + " has more than " + std::to_string(kMaxFilesPerDocument) + " files");
  }
  for (std::size_t j = 0; j < files.size(); ++j) {
    const json& e = files[j];
    const std::string at = where + "[" + std::to_string(j) + "]";
    if (!e.is_object()) return bad(at + " must be an object");
    Filed::File file;
    auto sha = e.find("sha256");
    if (sha == e.end() || !sha->is_string() || !valid_sha256_hex(sha->get_ref<const std::string&>())) {
      return bad(at + ".sha256 must be 64 lower-case hex digits");
    }
    file.sha256 = sha->get<std::string>();
    auto type = e.find("media_type");
    if (type == e.end() || !type->is_string() || !attachment_media_type(type->get_ref<const std::string&>())) {
      return bad(at + ".media_type must be image/png, image/jpeg or application/pdf");
    }
    file.media_type = type->get<std::string>();
    auto size = e.find("bytes");
    if (size == e.end() || !size->is_number_unsigned() || size->get<std::uint64_t>() < 1 ||
        size->get<std::uint64_t>() > kMaxAttachmentBytes) {
      return bad(at + ".bytes must be a whole number from 1 to " + std::to_string(kMaxAttachmentBytes));
    }
    file.bytes = static_cast<std::int64_t>(size->get<std::uint64_t>());
    out.push_back(std::move(file));
  }
  return std::nullopt;
}

// The reader of a parsed tree: the refusal names the first field that is not as it must be.
std::optional<Response> read_tree(const json& body, Filed& f) {
  if (!body.is_object()) return bad("the body must be a JSON object");
  ApplicationRecord& a = f.a;
  if (auto e = text(body, "receipt", true, 100, a.receipt)) return *e;
  if (auto e = text(body, "service", true, 100, a.service)) return *e;
  if (auto e = text(body, "language", true, 16, a.language)) return *e;
  if (auto e = text(body, "channel", true, 16, a.channel)) return *e;
  if (auto e = text(body, "token", false, 64, a.token)) return *e;
  if (auto e = text(body, "operator_id", false, kMaxOperatorId, a.operator_id)) return *e;
  if (auto e = date(body, "filed_on", a.filed_on, f.filed_on)) return *e;
  if (auto e = date(body, "due_on", a.due_on, f.due_on)) return *e;

  auto fee = body.find("fee_minor");
  if (fee == body.end() || fee->is_null()) return bad("field 'fee_minor' is missing");
  if (!fee->is_number_integer() || fee->get<std::int64_t>() < 0) {
    return bad("field 'fee_minor' must be a whole number of minor units, 0 or more");
  }
  a.fee_minor = fee->get<std::int64_t>();

  auto fields = body.find("fields");
  if (fields == body.end() || fields->is_null()) return bad("field 'fields' is missing");
  if (!fields->is_object()) return bad("field 'fields' must be an object of field id to text");
  if (fields->size() > kMaxFields) return bad("field 'fields' has more than " + std::to_string(kMaxFields) + " values");
  for (auto it = fields->begin(); it != fields->end(); ++it) {
    if (!it.value().is_string()) return bad("fields['" + it.key().substr(0, 64) + "'] must be a string");
    f.submitted[it.key()] = it.value().get<std::string>();
  }

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
      Filed::Doc doc;
      auto id = d.find("id");
      if (id == d.end() || !id->is_string() || id->get<std::string>().empty() || id->get<std::string>().size() > 100) {
        return bad(where + ".id must be a document id");
      }
      doc.id = id->get<std::string>();
      auto present = d.find("present");
      if (present == d.end() || !present->is_boolean()) return bad(where + ".present must be true or false");
      doc.present = present->get<bool>();
      if (auto files = d.find("files"); files != d.end()) {
        if (auto e = read_files_tree(*files, where + ".files", doc.files)) return e;
      }
      f.docs.push_back(std::move(doc));
    }
    std::size_t total = 0;
    for (const auto& doc : f.docs) total += doc.files.size();
    if (total > kMaxFilesPerFiling) return bad(files_count_message());
  }
  return std::nullopt;
}

// The fast reader: simdjson's parse (validating, no tree of allocations) and one pass over each
// object. It accepts only what read_tree accepts, with the same values; anything else (a field
// missing or of the wrong type, a key given twice, JSON that simdjson does not take) is false,
// and the tree reader then finds the refusal and its message. Filings from terminals are
// well formed, so the tree is built only for the rare bad one.
bool text_value(simdjson::dom::element v, bool required, std::size_t max, std::string& out) {
  if (v.is_null()) return !required;
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return false;
  if ((required && s.empty()) || s.size() > max) return false;
  out.assign(s);
  return true;
}

bool date_value(simdjson::dom::element v, std::string& out, domain::Date& parsed) {
  return text_value(v, true, 10, out) && domain::parse_date(out, parsed) && domain::format_date(parsed) == out;
}

// One file of a document entry, as read_files_tree takes it; false for anything else.
bool file_value(simdjson::dom::element v, Filed::File& file) {
  simdjson::dom::object o;
  if (v.get_object().get(o) != simdjson::SUCCESS) return false;
  unsigned seen = 0;
  for (auto [key, value] : o) {
    unsigned bit = 0;
    if (key == "sha256") {
      std::string_view t;
      if (value.get_string().get(t) != simdjson::SUCCESS || !valid_sha256_hex(t)) return false;
      file.sha256.assign(t);
      bit = 1u;
    } else if (key == "media_type") {
      std::string_view t;
      if (value.get_string().get(t) != simdjson::SUCCESS || !attachment_media_type(t)) return false;
      file.media_type.assign(t);
      bit = 2u;
    } else if (key == "bytes") {
      std::uint64_t n = 0;
      // A negative number is not an unsigned one (the tree's is_number_unsigned).
      if (value.get_uint64().get(n) != simdjson::SUCCESS || n < 1 || n > kMaxAttachmentBytes) return false;
      file.bytes = static_cast<std::int64_t>(n);
      bit = 4u;
    } else {
      continue;  // not read, as by the tree reader
    }
    if ((seen & bit) != 0) return false;  // a key twice: left to the tree reader
    seen |= bit;
  }
  return seen == 7u;
}

bool read_fast(simdjson::dom::element root, Filed& f) {
  simdjson::dom::object body;
  if (root.get_object().get(body) != simdjson::SUCCESS) return false;
  ApplicationRecord& a = f.a;
  enum : unsigned {
    kReceipt = 1u << 0,
    kService = 1u << 1,
    kLanguage = 1u << 2,
    kChannel = 1u << 3,
    kToken = 1u << 4,
    kFiledOn = 1u << 5,
    kDueOn = 1u << 6,
    kFee = 1u << 7,
    kFields = 1u << 8,
    kDocuments = 1u << 9,
    kOperator = 1u << 10,
    kRequired = kReceipt | kService | kLanguage | kChannel | kFiledOn | kDueOn | kFee | kFields,
  };
  unsigned seen = 0;
  std::size_t total_files = 0;
  for (auto [key, value] : body) {
    unsigned bit = 0;
    bool ok = true;
    if (key == "receipt") {
      bit = kReceipt, ok = text_value(value, true, 100, a.receipt);
    } else if (key == "service") {
      bit = kService, ok = text_value(value, true, 100, a.service);
    } else if (key == "language") {
      bit = kLanguage, ok = text_value(value, true, 16, a.language);
    } else if (key == "channel") {
      bit = kChannel, ok = text_value(value, true, 16, a.channel);
    } else if (key == "token") {
      bit = kToken, ok = text_value(value, false, 64, a.token);
    } else if (key == "operator_id") {
      bit = kOperator, ok = text_value(value, false, kMaxOperatorId, a.operator_id);
    } else if (key == "filed_on") {
      bit = kFiledOn, ok = date_value(value, a.filed_on, f.filed_on);
    } else if (key == "due_on") {
      bit = kDueOn, ok = date_value(value, a.due_on, f.due_on);
    } else if (key == "fee_minor") {
      bit = kFee, ok = value.get_int64().get(a.fee_minor) == simdjson::SUCCESS && a.fee_minor >= 0;
    } else if (key == "fields") {
      bit = kFields;
      simdjson::dom::object fields;
      ok = value.get_object().get(fields) == simdjson::SUCCESS && fields.size() <= kMaxFields;
      for (auto it = fields.begin(); ok && it != fields.end(); ++it) {
        std::string_view v;
        ok = it.value().get_string().get(v) == simdjson::SUCCESS &&
             f.submitted.emplace(std::string(it.key()), std::string(v)).second;
      }
    } else if (key == "documents") {
      bit = kDocuments;
      if (!value.is_null()) {
        simdjson::dom::array documents;
        ok = value.get_array().get(documents) == simdjson::SUCCESS && documents.size() <= kMaxDocuments;
        for (auto it = documents.begin(); ok && it != documents.end(); ++it) {
          simdjson::dom::object d;
          if ((*it).get_object().get(d) != simdjson::SUCCESS) return false;
          Filed::Doc doc;
          unsigned doc_seen = 0;
          for (auto [dkey, dvalue] : d) {
            if (dkey == "id") {
              std::string_view id;
              if ((doc_seen & 1u) || dvalue.get_string().get(id) != simdjson::SUCCESS || id.empty() || id.size() > 100)
                return false;
              doc.id.assign(id);
              doc_seen |= 1u;
            } else if (dkey == "present") {
              if ((doc_seen & 2u) || dvalue.get_bool().get(doc.present) != simdjson::SUCCESS) return false;
              doc_seen |= 2u;
            } else if (dkey == "files") {
              if (doc_seen & 4u) return false;
              doc_seen |= 4u;
              if (dvalue.is_null()) continue;
              simdjson::dom::array files;
              if (dvalue.get_array().get(files) != simdjson::SUCCESS || files.size() > kMaxFilesPerDocument) {
                return false;
              }
              for (simdjson::dom::element file : files) {
                if (!file_value(file, doc.files.emplace_back())) return false;
              }
            }
          }
          if ((doc_seen & 3u) != 3u) return false;
          total_files += doc.files.size();
          f.docs.push_back(std::move(doc));
        }
        ok = ok && total_files <= kMaxFilesPerFiling;
      }
    } else {
      continue;  // not read, as by the tree reader
    }
    // A key given twice is read by the tree as its last value: left to the tree reader.
    if (!ok || (seen & bit) != 0) return false;
    seen |= bit;
  }
  return (seen & kRequired) == kRequired;
}

simdjson::simdjson_result<simdjson::dom::element> parse_padded(const std::string& text) {
  thread_local simdjson::dom::parser parser;
  return detail::parse_padded(parser, text);
}

// Both readers: the fast one, then the tree for the refusal (or for JSON simdjson does not take).
std::optional<Response> read_filing(const std::string& body_text, Filed& f) {
  simdjson::dom::element root;
  if (parse_padded(body_text).get(root) == simdjson::SUCCESS && read_fast(root, f)) return std::nullopt;
  f = Filed{};
  json body;
  try {
    body = json::parse(body_text);
  } catch (const json::parse_error& e) {
    return bad("the body is not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const json::out_of_range&) {
    // A number beyond what a double holds (1e400): nlohmann names no byte for it.
    return bad("the body is not valid JSON (a number is out of range)");
  }
  return read_tree(body, f);
}

void append_fields_json(std::string& out, const std::map<std::string, std::string>& values) {
  // As nlohmann's dump of the object would print it: keys in order, no spaces.
  out += '{';
  bool first = true;
  for (const auto& [id, value] : values) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, id);
    out += ':';
    append_json_string(out, value);
  }
  out += '}';
}

// The meaning of a well-formed filing: channel, receipt, service, form, documents, due date.
domain::Result<ApplicationRecord, Response> check_meaning(const domain::Catalogue& catalogue, Filed&& f,
                                                          const std::string& device_id, DeviceKind device_kind) {
  ApplicationRecord& a = f.a;
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
  if (a.channel == "kiosk" && !a.operator_id.empty()) {
    return unprocessable("invalid_application",
                         "a kiosk filing names no operator (operator_id is the operator who took the application at "
                         "a counter; device " +
                             device_id + " is a kiosk)");
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
  options.today = f.filed_on;
  domain::FormCheck check = domain::check_form(service->form, f.submitted, options);
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

  // Written as text, as nlohmann's dump of the array of {"id","present"} would print it; a
  // document with files has them after, keys in the contract's order (sha256, media_type, bytes),
  // so an entry without files is the same text as before files existed.
  std::string documents_out = "[";
  for (std::size_t i = 0; i < f.docs.size(); ++i) {
    const auto& d = f.docs[i];
    const bool known = std::any_of(service->documents.begin(), service->documents.end(),
                                   [&d](const domain::RequiredDocument& r) { return r.id == d.id; });
    if (!known) {
      return unprocessable("unknown_document",
                           "service '" + a.service + "' asks for no document '" + d.id.substr(0, 100) + "'");
    }
    const bool twice = std::any_of(f.docs.begin(), f.docs.begin() + static_cast<std::ptrdiff_t>(i),
                                   [&d](const Filed::Doc& earlier) { return earlier.id == d.id; });
    if (twice) return unprocessable("unknown_document", "document '" + d.id + "' is listed twice");
    const std::string where = "documents[" + std::to_string(i) + "]";
    if (!d.files.empty() && !d.present) {
      return unprocessable("invalid_files", where +
                                                " has scanned files but is not present (a document with files must "
                                                "be present: true)");
    }
    for (std::size_t j = 0; j < d.files.size(); ++j) {
      // The same file twice in one filing, in this document or an earlier one.
      for (std::size_t k = 0; k <= i; ++k) {
        const auto& other = f.docs[k].files;
        const std::size_t until = k == i ? j : other.size();
        for (std::size_t l = 0; l < until; ++l) {
          if (other[l].sha256 == d.files[j].sha256) {
            return unprocessable("invalid_files", where + ".files[" + std::to_string(j) +
                                                      "].sha256 is the file of documents[" + std::to_string(k) +
                                                      "].files[" + std::to_string(l) +
                                                      "] again (each file once per filing)");
          }
        }
      }
    }
    if (i > 0) documents_out += ',';
    documents_out += "{\"id\":";
    append_json_string(documents_out, d.id);
    documents_out += d.present ? ",\"present\":true" : ",\"present\":false";
    if (!d.files.empty()) {
      documents_out += ",\"files\":[";
      for (std::size_t j = 0; j < d.files.size(); ++j) {
        const auto& file = d.files[j];
        if (j > 0) documents_out += ',';
        documents_out += "{\"sha256\":\"";
        documents_out += file.sha256;  // hex digits: nothing to escape
        documents_out += "\",\"media_type\":\"";
        documents_out += file.media_type;  // one of three names: nothing to escape
        documents_out += "\",\"bytes\":";
        documents_out += std::to_string(file.bytes);
        documents_out += '}';
      }
      documents_out += ']';
    }
    documents_out += '}';
  }
  documents_out += ']';

  const domain::Date expected =
      domain::due_date(catalogue.calendar, f.filed_on, service->time_limit_days, domain::Filed::AtCentre);
  if (expected != f.due_on) {
    return unprocessable("wrong_due_date", "due_on is " + a.due_on + " but an application of service '" + a.service +
                                               "' filed on " + a.filed_on + " is due on " +
                                               domain::format_date(expected));
  }

  a.fields_json.clear();
  append_fields_json(a.fields_json, check.values);
  a.documents_json = std::move(documents_out);
  a.status = "received";
  return std::move(a);
}

}  // namespace

domain::Result<ApplicationRecord, Response> check_filing(const domain::Catalogue& catalogue,
                                                         const std::string& body_text, const std::string& device_id,
                                                         DeviceKind device_kind) {
  Filed f;
  if (auto e = read_filing(body_text, f)) return *e;
  return check_meaning(catalogue, std::move(f), device_id, device_kind);
}

domain::Result<ApplicationRecord, Response> check_filing(const domain::Catalogue& catalogue, const json& body,
                                                         const std::string& device_id, DeviceKind device_kind) {
  Filed f;
  if (auto e = read_tree(body, f)) return *e;
  return check_meaning(catalogue, std::move(f), device_id, device_kind);
}

domain::Result<ApplicationRecord, Response> check_relayed_filing(const domain::Catalogue& catalogue,
                                                                 const std::string& body_text,
                                                                 const std::string& origin) {
  Filed f;
  simdjson::dom::element root;
  if (parse_padded(body_text).get(root) == simdjson::SUCCESS && read_fast(root, f)) {
    const DeviceKind kind = f.a.channel == "counter" ? DeviceKind::Counter : DeviceKind::Kiosk;
    return check_meaning(catalogue, std::move(f), origin, kind);
  }
  // The terminal's kind is not known here: the filing's channel says it (and is checked with it).
  const json parsed = json::parse(body_text, nullptr, false);
  DeviceKind kind = DeviceKind::Kiosk;
  if (parsed.is_object()) {
    auto channel = parsed.find("channel");
    if (channel != parsed.end() && channel->is_string() && channel->get<std::string>() == "counter") {
      kind = DeviceKind::Counter;
    }
  }
  // A body that is not JSON is checked as text, for the message naming where.
  return parsed.is_discarded() ? check_filing(catalogue, body_text, origin, kind)
                               : check_filing(catalogue, parsed, origin, kind);
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
