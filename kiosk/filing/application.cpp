#include "application.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace guichet::kiosk {

const domain::FieldProblem* problem_of(const ApplicationDraft& draft, const std::string& field_id) {
  for (const auto& p : draft.problems) {
    if (p.field == field_id) return &p;
  }
  return nullptr;
}

std::vector<const domain::RequiredDocument*> missing_documents(const domain::Service& service,
                                                               const std::map<std::string, bool>& documents) {
  std::vector<const domain::RequiredDocument*> out;
  for (const auto& d : service.documents) {
    if (!d.required) continue;  // optional: its absence is no reason to come back
    auto it = documents.find(d.id);
    if (it == documents.end() || !it->second) out.push_back(&d);
  }
  return out;
}

sync::json application_body(const FilingRequest& r) {
  sync::json fields = sync::json::object();
  for (const auto& [id, value] : r.fields) fields[id] = value;
  sync::json documents = sync::json::array();
  for (const auto& id : r.document_order) {
    auto it = r.documents.find(id);
    sync::json entry = {{"id", id}, {"present", it != r.documents.end() && it->second}};
    if (auto files = r.files.find(id); files != r.files.end() && !files->second.empty()) {
      sync::json list = sync::json::array();
      for (const auto& f : files->second) {
        list.push_back({{"sha256", f.sha256}, {"media_type", f.media_type}, {"bytes", f.bytes}});
      }
      entry["files"] = std::move(list);
    }
    documents.push_back(std::move(entry));
  }
  sync::json body = {{"receipt", r.receipt},
                     {"service", r.service},
                     {"language", r.language},
                     {"channel", r.channel},
                     {"filed_on", domain::format_date(r.filed_on)},
                     {"due_on", domain::format_date(r.due_on)},
                     {"fields", fields},
                     {"documents", documents},
                     {"fee_minor", r.fee_minor}};
  if (!r.token.empty()) body["token"] = r.token;
  if (!r.operator_id.empty()) body["operator_id"] = r.operator_id;
  return body;
}

namespace {

// `j` as an ordered_json with the same key order as its dump (nlohmann::json keeps keys sorted).
nlohmann::ordered_json ordered(const sync::json& j) {
  if (j.is_object()) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (auto it = j.begin(); it != j.end(); ++it) out[it.key()] = ordered(it.value());
    return out;
  }
  if (j.is_array()) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& v : j) out.push_back(ordered(v));
    return out;
  }
  return nlohmann::ordered_json::parse(j.dump());
}

}  // namespace

std::string application_body_text(const FilingRequest& r) {
  const sync::json body = application_body(r);
  nlohmann::ordered_json out = ordered(body);
  for (auto& entry : out["documents"]) {
    if (!entry.contains("files")) continue;
    nlohmann::ordered_json written = nlohmann::ordered_json::object();
    written["id"] = entry["id"];
    written["present"] = entry["present"];
    nlohmann::ordered_json files = nlohmann::ordered_json::array();
    for (const auto& f : entry["files"]) {
      nlohmann::ordered_json file = nlohmann::ordered_json::object();
      file["sha256"] = f["sha256"];
      file["media_type"] = f["media_type"];
      file["bytes"] = f["bytes"];
      files.push_back(std::move(file));
    }
    written["files"] = std::move(files);
    entry = std::move(written);
  }
  return out.dump();
}

std::string check_document_files(const FilingRequest& r) {
  auto hex64 = [](const std::string& s) {
    return s.size() == 64 &&
           std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  };
  for (const auto& [id, files] : r.files) {
    if (!files.empty() && std::find(r.document_order.begin(), r.document_order.end(), id) == r.document_order.end()) {
      return "files were scanned for '" + id + "', which is not a document of this service";
    }
  }
  std::size_t total = 0;
  std::vector<std::string> seen;
  for (std::size_t i = 0; i < r.document_order.size(); ++i) {
    const std::string& id = r.document_order[i];
    const auto files = r.files.find(id);
    if (files == r.files.end() || files->second.empty()) continue;
    const std::string where = "documents[" + std::to_string(i) + "]";
    const auto present = r.documents.find(id);
    if (present == r.documents.end() || !present->second) return where + " has files and must be present";
    if (files->second.size() > kMaxFilesPerDocument) {
      return where + ".files has " + std::to_string(files->second.size()) + " files; at most " +
             std::to_string(kMaxFilesPerDocument);
    }
    for (std::size_t j = 0; j < files->second.size(); ++j) {
      const DocumentFile& f = files->second[j];
      const std::string at = where + ".files[" + std::to_string(j) + "]";
      if (!hex64(f.sha256)) return at + ".sha256 must be 64 lower-case hex digits";
      if (f.media_type != "image/png" && f.media_type != "image/jpeg" && f.media_type != "application/pdf") {
        return at + ".media_type must be one of image/png, image/jpeg, application/pdf";
      }
      if (f.bytes < 1 || f.bytes > kMaxFileBytes) {
        return at + ".bytes must be from 1 to " + std::to_string(kMaxFileBytes);
      }
      if (std::find(seen.begin(), seen.end(), f.sha256) != seen.end()) {
        return at + ".sha256 names a file already in this filing";
      }
      seen.push_back(f.sha256);
    }
    total += files->second.size();
  }
  if (total > kMaxFilesPerFiling) {
    return "the filing has " + std::to_string(total) + " files; at most " + std::to_string(kMaxFilesPerFiling);
  }
  return {};
}

std::string format_receipt(const std::string& centre_id, const std::string& device_id, std::int64_t n) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%06lld", static_cast<long long>(n));
  return centre_id + "-" + device_id + "-" + digits;
}

std::string normalise_receipt(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) == 0 && c != '-') return {};
    out += static_cast<char>(std::toupper(u));
  }
  if (out.size() > 64) return {};
  return out;
}

std::string format_money(std::int64_t minor, const std::string& currency) {
  const std::string unit = currency == "INR" ? "Rs" : currency;
  const bool negative = minor < 0;
  const std::int64_t a = negative ? -minor : minor;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld", negative ? "-" : "", static_cast<long long>(a / 100),
                static_cast<long long>(a % 100));
  return unit + " " + buf;
}

std::string display_date(domain::Date d) {
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const unsigned m = static_cast<unsigned>(d.month());
  if (!d.ok() || m < 1 || m > 12) return domain::format_date(d);
  return std::to_string(static_cast<unsigned>(d.day())) + " " + kMonths[m - 1] + " " +
         std::to_string(static_cast<int>(d.year()));
}

std::string display_date(const std::string& iso_date) {
  domain::Date d;
  if (!domain::parse_date(iso_date, d)) return iso_date;
  return display_date(d);
}

std::string problem_text(const Tr& t, const domain::FormField& field, const domain::FieldProblem& problem) {
  using C = domain::FieldProblemCode;
  auto n = [](const std::optional<int>& v) { return v ? *v : 0; };
  switch (problem.code) {
    case C::Missing:
      return t.tr("Please fill this in.");
    case C::TooShort:
      return t.trn("Please use at least {n} character.", "Please use at least {n} characters.", n(field.min_length));
    case C::TooLong:
      return t.trn("Please use at most {n} character.", "Please use at most {n} characters.",
                   field.max_length ? n(field.max_length) : domain::kMaxValueChars);
    case C::NotANumber:
      return t.tr("Please enter a number.");
    case C::BadDate:
      return t.tr("Please enter the date as day/month/year, e.g. 14/04/2026.");
    case C::FutureDate:
      return t.tr("This date cannot be in the future.");
    case C::BadPhone:
    case C::PatternMismatch:
      if (field.type == domain::FieldType::Phone) return t.tr("Please check the phone number.");
      break;
    case C::BadAadhaar:
      return t.tr("Please check the Aadhaar number: 12 digits.");
    case C::BadEmail:
      return t.tr("Please check the e-mail address.");
    case C::UnknownChoice:
    case C::NotYesNo:
      return t.tr("Please choose one of the answers.");
    default:
      break;
  }
  // The catalogue's own sentence: translated when a catalogue entry has it, English otherwise.
  return t.tr(problem.message);
}

FilingResult file_application(ApplicationPort& port, const PrintPort& printer, const FilingInput& in) {
  FilingResult out;
  const domain::Service* svc = in.catalogue ? in.catalogue->service(in.draft.service) : nullptr;
  if (!svc) {
    out.kind = FilingResult::Kind::Failed;
    out.detail = "unknown service '" + in.draft.service + "'";
    return out;
  }
  // 1. The form again, as the server will check it: nothing is saved with a problem.
  domain::FormCheckOptions options;
  options.today = in.today;
  auto check = domain::check_form(svc->form, in.draft.values, options);
  if (!check.ok()) {
    out.kind = FilingResult::Kind::Invalid;
    out.problems = check.problems;
    return out;
  }
  // 2. Receipt number and due date, both from local data.
  FilingRequest req;
  req.service = svc->id;
  req.language = in.language;
  req.channel = in.channel;
  req.token = in.draft.token;
  req.operator_id = in.operator_id;
  req.filed_on = in.today;
  req.due_on = domain::due_date(in.catalogue->calendar, in.today, svc->time_limit_days, domain::Filed::AtCentre);
  req.fields = check.values;
  for (const auto& d : svc->documents) {
    auto it = in.draft.documents.find(d.id);
    req.documents[d.id] = it != in.draft.documents.end() && it->second;
    req.document_order.push_back(d.id);
  }
  for (const auto& [id, files] : in.draft.files) {
    if (!files.empty()) req.files[id] = files;
  }
  req.fee_minor = in.fee_minor;
  // The files as the centre will check them: a filing it would refuse is not saved.
  if (std::string problem = check_document_files(req); !problem.empty()) {
    out.kind = FilingResult::Kind::Failed;
    out.detail = problem;
    return out;
  }
  try {
    req.receipt = port.next_receipt(in.catalogue->centre.id);
    // 3. The scanned files first, then the filing naming them: both durable, in that order.
    port.keep_files(req);
    // Durable in the outbox: from here on the application exists, whatever the network does.
    port.file_request(req);
  } catch (const std::exception& e) {
    out.kind = FilingResult::Kind::Failed;
    out.detail = e.what();
    return out;
  }
  out.receipt = req.receipt;
  out.filed_on = req.filed_on;
  out.due_on = req.due_on;
  out.fee_minor = svc->fee_minor;
  for (const auto* d : missing_documents(*svc, req.documents)) out.missing.push_back(d->id);

  // 4. The paper, from the local data.
  std::string problem;
  bool printed = printer.ready && printer.ready(problem);
  if (printed) printed = printer.print && printer.print(req, problem);
  out.kind = printed ? FilingResult::Kind::Printed : FilingResult::Kind::NotPrinted;
  if (!printed) out.detail = problem;
  return out;
}

std::optional<PublicStatus> parse_public_status(const std::string& body, std::string& problem) {
  try {
    auto j = sync::json::parse(body);
    const auto& a = j.at("application");
    PublicStatus s;
    s.receipt = a.at("receipt").get<std::string>();
    s.service = a.at("service").get<std::string>();
    s.status = a.at("status").get<std::string>();
    s.filed_on = a.value("filed_on", "");
    s.due_on = a.value("due_on", "");
    s.updated_at = a.value("updated_at", "");
    if (a.contains("history")) {
      for (const auto& h : a.at("history")) {
        s.history.push_back({h.at("status").get<std::string>(), h.value("at", ""), h.value("note", "")});
      }
    }
    return s;
  } catch (const std::exception& e) {
    problem = std::string("unexpected answer from the server: ") + e.what();
    return std::nullopt;
  }
}

std::string status_label(const std::string& status) {
  if (status == "received") return N_("Received at the centre");
  if (status == "forwarded") return N_("Sent to the department");
  if (status == "with_department") return N_("Being examined by the department");
  if (status == "approved") return N_("Approved");
  if (status == "rejected") return N_("Rejected");
  if (status == "ready") return N_("Ready: please collect it at the centre");
  if (status == "delivered") return N_("Delivered");
  if (status == "not_sent") return N_("Saved at this kiosk, to be sent to the centre");
  return status;
}

}  // namespace guichet::kiosk
