#include "application_form.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

#include "guichet/hardware/receipts/application_slip.hpp"
#include "guichet/sync/attachments.hpp"

namespace guichet::counter {

namespace d = guichet::domain;
namespace hw = guichet::hardware;

domain::Result<PrinterSetting, std::string> parse_printer_setting(const std::string& text) {
  PrinterSetting p;
  if (text.empty()) return p;
  if (text.starts_with("file:")) {
    p.kind = PrinterSetting::Kind::File;
    p.path = text.substr(5);
    if (p.path.empty()) return std::string("--printer " + text + ": the file path is missing (file:PATH)");
    return p;
  }
  if (text.starts_with("tcp:")) {
    const std::string rest = text.substr(4);
    const auto colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      return std::string("--printer " + text + ": expected tcp:HOST:PORT, e.g. tcp:127.0.0.1:9100");
    }
    p.kind = PrinterSetting::Kind::Tcp;
    p.host = rest.substr(0, colon);
    const std::string port = rest.substr(colon + 1);
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p.port);
    if (ec != std::errc() || end != port.data() + port.size() || p.port < 1 || p.port > 65535) {
      return std::string("--printer " + text + ": port '" + port + "' is not a number from 1 to 65535");
    }
    return p;
  }
  return std::string("--printer " + text + ": expected tcp:HOST:PORT or file:PATH");
}

ApplicationForm open_application(const Model& model) {
  ApplicationForm form;
  form.operator_id = model.operator_id;
  for (const auto* s : model.application_services()) form.services.push_back(s->id);
  // A walk-in's papers start in the centre's first language; the operator can change it.
  if (const auto* cat = model.catalogue(); cat && !cat->centre.languages.empty())
    form.language = cat->centre.languages.front();
  if (model.current) {
    form.draft.token = model.current->token.id;
    form.token_display = model.current->token.display_number();
    if (!model.current->token.language.empty()) form.language = model.current->token.language;
    for (std::size_t i = 0; i < form.services.size(); ++i) {
      if (form.services[i] == model.current->token.service) {
        form.service_index = static_cast<int>(i);
        choose_service(form, form.services[i]);
        break;
      }
    }
  }
  if (form.step == FormStep::ChooseService && form.services.size() == 1) choose_service(form, form.services[0]);
  return form;
}

void next_paper_language(ApplicationForm& form, const d::Catalogue& catalogue) {
  const auto& languages = catalogue.centre.languages;
  if (languages.empty()) return;
  auto at = std::find(languages.begin(), languages.end(), form.language);
  form.language = (at == languages.end() || at + 1 == languages.end()) ? languages.front() : *(at + 1);
}

void choose_service(ApplicationForm& form, const std::string& service_id) {
  const std::string token = form.draft.token;
  form.draft = kiosk::ApplicationDraft{};
  form.draft.service = service_id;
  form.draft.token = token;
  form.checked = false;
  form.pages.clear();
  form.scan_message.clear();
  form.restored_note.clear();
  form.step = FormStep::Fill;
}

void toggle_document(ApplicationForm& form, const std::string& document_id) {
  if (auto it = form.pages.find(document_id); it != form.pages.end() && !it->second.empty()) {
    form.draft.documents[document_id] = true;
    form.scan_message = "A document with scanned pages is present: remove its pages first to mark it missing.";
    return;
  }
  form.draft.documents[document_id] = !form.draft.documents[document_id];
}

namespace {

std::size_t all_pages(const ApplicationForm& form) {
  std::size_t n = 0;
  for (const auto& [id, pages] : form.pages) n += pages.size();
  return n;
}

// draft.files names the pages, in the same order.
void name_files(ApplicationForm& form, const std::string& document_id) {
  auto& files = form.draft.files[document_id];
  files.clear();
  for (const auto& p : form.pages[document_id]) files.push_back(p.file);
  if (files.empty()) form.draft.files.erase(document_id);
  if (form.pages[document_id].empty()) form.pages.erase(document_id);
}

}  // namespace

bool begin_scan(ApplicationForm& form, const std::string& document_id) {
  if (form.step != FormStep::Fill) return false;
  if (!form.scanning.empty()) {
    form.scan_message = "Wait for the page being scanned, then scan the next one.";
    return false;
  }
  const auto it = form.pages.find(document_id);
  if (it != form.pages.end() && it->second.size() >= kiosk::kMaxFilesPerDocument) {
    form.scan_message = "A document has at most " + std::to_string(kiosk::kMaxFilesPerDocument) + " pages.";
    return false;
  }
  if (all_pages(form) >= kiosk::kMaxFilesPerFiling) {
    form.scan_message = "An application has at most " + std::to_string(kiosk::kMaxFilesPerFiling) + " pages.";
    return false;
  }
  form.scanning = document_id;
  form.scan_message.clear();
  return true;
}

void finish_scan(ApplicationForm& form, const std::string& document_id, const ScanOutcome& outcome) {
  if (form.scanning == document_id) form.scanning.clear();
  if (form.step != FormStep::Fill) return;  // left or saved meanwhile: the page is not wanted
  if (!outcome.ok) {
    form.scan_message = outcome.problem.empty() ? "The scanner gave no page." : outcome.problem;
    return;
  }
  if (outcome.png.empty() || static_cast<std::int64_t>(outcome.png.size()) > kiosk::kMaxFileBytes) {
    form.scan_message = "The scanned page is too large to keep (over 8 MiB): scan it at a lower resolution.";
    return;
  }
  ScannedPage page;
  page.file = {sync::sha256_hex(outcome.png), "image/png", static_cast<std::int64_t>(outcome.png.size())};
  for (const auto& [id, pages] : form.pages) {
    for (const auto& p : pages) {
      if (p.file.sha256 == page.file.sha256) {
        form.scan_message = "This page is the same as one scanned already: it was not added again.";
        return;
      }
    }
  }
  page.png = outcome.png;
  page.width = outcome.width;
  page.height = outcome.height;
  form.pages[document_id].push_back(std::move(page));
  form.draft.documents[document_id] = true;
  form.scan_message.clear();
  name_files(form, document_id);
}

void remove_page(ApplicationForm& form, const std::string& document_id, std::size_t index) {
  if (form.step != FormStep::Fill) return;
  auto it = form.pages.find(document_id);
  if (it == form.pages.end() || index >= it->second.size()) return;
  it->second.erase(it->second.begin() + static_cast<std::ptrdiff_t>(index));
  name_files(form, document_id);
}

std::string pages_text(std::size_t n) { return std::to_string(n) + (n == 1 ? " page" : " pages"); }

std::map<std::string, std::vector<std::uint8_t>> page_bytes(const ApplicationForm& form) {
  std::map<std::string, std::vector<std::uint8_t>> out;
  for (const auto& [id, pages] : form.pages) {
    for (const auto& p : pages) out[p.file.sha256] = p.png;
  }
  return out;
}

namespace {

constexpr int kDraftVersion = 1;

// "14:32" on the centre's clock.
std::string centre_clock(std::int64_t unix_ms, int utc_offset_minutes) {
  const std::int64_t minutes = unix_ms / 60000 + utc_offset_minutes;
  const std::int64_t of_day = ((minutes % 1440) + 1440) % 1440;
  char out[8];
  std::snprintf(out, sizeof out, "%02d:%02d", static_cast<int>(of_day / 60), static_cast<int>(of_day % 60));
  return out;
}

}  // namespace

std::string draft_json(const ApplicationForm& form) {
  if (form.step != FormStep::Fill || form.draft.service.empty()) return {};
  sync::json j = sync::json::object();
  j["version"] = kDraftVersion;
  j["started_ms"] = form.started_ms;
  j["service"] = form.draft.service;
  j["token"] = form.draft.token;
  j["token_display"] = form.token_display;
  j["language"] = form.language;
  j["values"] = form.draft.values;
  j["documents"] = form.draft.documents;
  sync::json pages = sync::json::object();
  for (const auto& [document, list] : form.pages) {
    sync::json a = sync::json::array();
    for (const auto& p : list) {
      a.push_back({{"sha256", p.file.sha256},
                   {"media_type", p.file.media_type},
                   {"bytes", p.file.bytes},
                   {"width", p.width},
                   {"height", p.height}});
    }
    pages[document] = std::move(a);
  }
  j["pages"] = std::move(pages);
  // Replaced on the terminal's own disk: a broken UTF-8 sequence typed in is kept as U+FFFD.
  return j.dump(-1, ' ', false, sync::json::error_handler_t::replace);
}

std::vector<std::string> draft_page_ids(const ApplicationForm& form) {
  std::vector<std::string> out;
  for (const auto& [document, list] : form.pages) {
    for (const auto& p : list) out.push_back(p.file.sha256);
  }
  return out;
}

domain::Result<ApplicationForm, std::string> restore_draft(const std::string& json_text,
                                                           const std::map<std::string, ScannedPage>& pages,
                                                           const Model& model) {
  const sync::json j = sync::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::string("the kept form is not a JSON object");
  const auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer() || version->get<int>() != kDraftVersion) {
    return std::string("the kept form is not of version ") + std::to_string(kDraftVersion);
  }
  auto text = [&j](const char* name, std::string& out) -> std::optional<std::string> {
    const auto it = j.find(name);
    if (it == j.end() || !it->is_string()) return std::string("field '") + name + "' of the kept form is not text";
    out = it->get<std::string>();
    return std::nullopt;
  };
  ApplicationForm form;
  form.operator_id = model.operator_id;
  for (const auto* s : model.application_services()) form.services.push_back(s->id);
  std::string service;
  if (auto e = text("service", service)) return *e;
  if (auto e = text("token", form.draft.token)) return *e;
  if (auto e = text("token_display", form.token_display)) return *e;
  if (auto e = text("language", form.language)) return *e;
  const auto started = j.find("started_ms");
  if (started == j.end() || !started->is_number_integer()) return std::string("field 'started_ms' is not a time");
  form.started_ms = started->get<std::int64_t>();
  const auto values = j.find("values");
  const auto documents = j.find("documents");
  const auto page_list = j.find("pages");
  if (values == j.end() || !values->is_object()) return std::string("field 'values' is not an object");
  if (documents == j.end() || !documents->is_object()) return std::string("field 'documents' is not an object");
  if (page_list == j.end() || !page_list->is_object()) return std::string("field 'pages' is not an object");
  for (const auto& [id, v] : values->items()) {
    if (!v.is_string()) return "the value of field '" + id + "' is not text";
  }
  for (const auto& [id, v] : documents->items()) {
    if (!v.is_boolean()) return "document '" + id + "' is neither present nor missing";
  }

  const auto offered = std::find(form.services.begin(), form.services.end(), service);
  const d::Catalogue* catalogue = model.catalogue();
  const int offset = catalogue ? catalogue->centre.utc_offset_minutes : 0;
  const std::string note = "Restored: this application was being taken when the counter stopped (begun at " +
                           centre_clock(form.started_ms, offset) + ").";
  if (offered == form.services.end()) {
    form.step = FormStep::ChooseService;
    form.restored_note = note + " Its service is not taken at this counter now: choose one.";
    return form;
  }
  form.service_index = static_cast<int>(offered - form.services.begin());
  choose_service(form, service);
  form.restored_note = note;
  for (const auto& [id, v] : values->items()) form.draft.values[id] = v.get<std::string>();
  for (const auto& [id, v] : documents->items()) form.draft.documents[id] = v.get<bool>();
  std::size_t lost = 0;
  for (const auto& [document, list] : page_list->items()) {
    if (!list.is_array()) return "the pages of document '" + document + "' are not a list";
    for (const auto& p : list) {
      const auto sha = p.is_object() ? p.find("sha256") : p.end();
      if (sha == p.end() || !sha->is_string()) return "a page of document '" + document + "' has no SHA-256";
      const auto kept = pages.find(sha->get<std::string>());
      if (kept == pages.end()) {
        ++lost;
        continue;
      }
      form.pages[document].push_back(kept->second);
    }
    name_files(form, document);
  }
  if (lost > 0) {
    form.restored_note +=
        " " + pages_text(lost) + " scanned could not be restored: scan " + (lost == 1 ? "it" : "them") + " again.";
  }
  return form;
}

std::string fee_text(const d::Catalogue& catalogue, const std::string& service_id) {
  const auto* svc = catalogue.service(service_id);
  if (!svc) return {};
  return kiosk::format_money(svc->fee_minor, catalogue.centre.currency);
}

namespace {

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::string trimmed(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

}  // namespace

std::string choice_value(const d::FormField& field, const std::string& typed) {
  if (field.type != d::FieldType::Choice && field.type != d::FieldType::YesNo) return typed;
  const std::string t = lower(trimmed(typed));
  if (field.type == d::FieldType::YesNo) return t;
  for (const auto& c : field.choices) {
    if (lower(c.id) == t || lower(c.label.get("en")) == t) return c.id;
  }
  return typed;
}

std::map<std::string, std::string> typed_values(const ApplicationForm& form, const d::Service& service) {
  std::map<std::string, std::string> out;
  for (const auto& field : service.form) {
    auto it = form.draft.values.find(field.id);
    if (it == form.draft.values.end()) continue;
    out[field.id] = choice_value(field, it->second);
  }
  return out;
}

bool check_application(ApplicationForm& form, const d::Catalogue& catalogue, d::Date today) {
  form.checked = true;
  const auto* svc = catalogue.service(form.draft.service);
  if (!svc) return false;
  d::FormCheckOptions options;
  options.today = today;
  auto check = d::check_form(svc->form, typed_values(form, *svc), options);
  form.draft.problems = check.problems;
  return check.ok();
}

std::string field_problem(const ApplicationForm& form, const d::FormField& field) {
  if (!form.checked) return {};
  const auto* p = kiosk::problem_of(form.draft, field.id);
  if (!p) return {};
  // "Gender must be one of: Male, Female, Transgender.": the operator sees what to type.
  if (p->code == d::FieldProblemCode::UnknownChoice) return p->message;
  static const text::Translations english;
  return kiosk::problem_text(kiosk::Tr(english, "en"), field, *p);
}

kiosk::FilingInput filing_input(const ApplicationForm& form, const d::Catalogue& catalogue, d::Date today) {
  kiosk::FilingInput in;
  in.catalogue = &catalogue;
  in.draft = form.draft;
  const auto* svc = catalogue.service(form.draft.service);
  if (svc) in.draft.values = typed_values(form, *svc);
  in.language = form.language.empty() ? "en" : form.language;
  in.channel = "counter";
  in.operator_id = form.operator_id;
  in.fee_minor = svc ? svc->fee_minor : 0;  // collected at the counter before saving
  in.today = today;
  return in;
}

std::string filing_message(const kiosk::FilingResult& r) {
  using K = kiosk::FilingResult::Kind;
  switch (r.kind) {
    case K::Printed:
      return "Application " + r.receipt + " saved. Fee receipt and acknowledgement printed.";
    case K::NotPrinted:
      return "Application " + r.receipt + " saved, but the printer failed (" + r.detail +
             "). Write the receipt number " + r.receipt + " down for the citizen.";
    case K::Invalid:
      return "The form has problems: see the fields marked in red. Nothing was saved.";
    case K::Failed:
      break;
  }
  return "The application could not be saved on this terminal: " + r.detail;
}

domain::Result<CounterPapers, std::string> build_counter_papers(
    const d::Catalogue& catalogue, const text::Translations& translations, const kiosk::FilingRequest& request,
    const std::string& token_display, const std::string& counter_id, d::Instant paid_at, kiosk::PaperText* paper) {
  CounterPapers out;
  std::string problem;
  auto fee = kiosk::build_fee_receipt(catalogue, translations, request, paid_at, counter_id, problem, paper);
  if (!fee) return std::string("fee receipt: " + problem);
  out.fee_receipt = std::move(*fee);
  auto slip = kiosk::build_application_slip(catalogue, translations, request.language.empty() ? "en" : request.language,
                                            request, token_display, problem, paper);
  if (!slip) return std::string("acknowledgement: " + problem);
  out.acknowledgement = std::move(*slip);
  return out;
}

}  // namespace guichet::counter
