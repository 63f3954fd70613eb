#include "paper.hpp"

#include "guichet/hardware/receipts/application_slip.hpp"
#include "guichet/text/locale_format.hpp"
#include "i18n.hpp"

namespace guichet::kiosk {

namespace hw = guichet::hardware;

std::vector<PaperTry> paper_tries(const std::string& language) {
  std::vector<PaperTry> out{{language, false}, {language, true}};
  if (language != "en") out.push_back({"en", true});
  return out;
}

hw::receipts::EncodeOptions PaperText::options() {
  std::lock_guard lock(mu_);
  if (!tried_) {
    tried_ = true;
    try {
      regular_ = std::make_unique<text::FontSet>();
      bold_ = std::make_unique<text::FontSet>(text::bold_faces(*regular_));
      text_ = std::make_unique<text::TextEngine>(*regular_, 256);
      bold_text_ = std::make_unique<text::TextEngine>(*bold_, 64);
    } catch (const std::exception& e) {
      problem_ = e.what();
      bold_text_.reset();
      text_.reset();
      bold_.reset();
      regular_.reset();
    }
  }
  hw::receipts::EncodeOptions options;
  options.text = text_.get();
  options.bold_text = bold_text_.get();
  return options;
}

std::string PaperText::problem() {
  std::lock_guard lock(mu_);
  return problem_;
}

std::string plain_for_paper(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text.substr(i, 3) == "\u20B9") {  // ₹
      out += "Rs";
      i += 3;
      if (i < text.size() && text[i] >= '0' && text[i] <= '9') out += ' ';
    } else if (text.substr(i, 3) == "\u202F") {  // narrow no-break space
      out += ' ';
      i += 3;
    } else if (text.substr(i, 2) == "\u00A0") {  // no-break space
      out += ' ';
      i += 2;
    } else {
      out += text[i++];
    }
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> build_application_slip(
    const domain::Catalogue& catalogue, const text::Translations& translations, const std::string& language,
    const FilingRequest& request, const std::string& token_display, std::string& problem, PaperText* paper_text) {
  const domain::Service* svc = catalogue.service(request.service);
  const hw::receipts::EncodeOptions options = paper_text ? paper_text->options() : hw::receipts::EncodeOptions{};
  auto make = [&](const PaperTry& attempt) {
    const std::string& lang = attempt.language;
    const Tr t(translations, lang);
    auto paper = [&](std::string s) { return attempt.plain ? plain_for_paper(s) : s; };
    hw::receipts::ApplicationSlip slip;
    slip.language = lang;
    slip.centre_name = catalogue.centre.name.get(lang);
    slip.centre_address = catalogue.centre.address;
    slip.service_name = svc ? svc->name.get(lang) : request.service;
    slip.receipt = request.receipt;
    slip.filed_on = paper(t.date(request.filed_on));
    slip.due_on = paper(t.date(request.due_on));
    slip.token = token_display;
    slip.show_documents = svc && !svc->documents.empty();
    if (svc) {
      for (const auto* d : missing_documents(*svc, request.documents))
        slip.missing_documents.push_back(d->name.get(lang));
      for (const auto& d : svc->documents) {
        const auto files = request.files.find(d.id);
        if (files == request.files.end() || files->second.empty()) continue;
        const auto n = static_cast<std::int64_t>(files->second.size());
        slip.scanned_documents.push_back(d.name.get(lang) + ": " + t.trn("{n} page", "{n} pages", n));
      }
      const std::string& currency = catalogue.centre.currency;
      if (request.channel == "counter") {
        slip.fee_line = paper(t.tr("Fee paid: {amount}", {{"amount", t.money(request.fee_minor, currency)}}));
      } else if (svc->fee_minor > 0) {
        slip.fee_line =
            paper(t.tr("Fee to pay at the counter: {amount}", {{"amount", t.money(svc->fee_minor, currency)}}));
      }
    }
    slip.labels.title = t.trc("slip", "Application received");
    slip.labels.receipt = t.trc("slip", "Receipt number");
    slip.labels.filed_on = t.trc("slip", "Filed on");
    slip.labels.due_on = t.trc("slip", "Due by");
    slip.labels.token = t.trc("slip", "Token");
    slip.labels.missing = t.tr("Documents still missing:");
    slip.labels.all_documents = t.trc("slip", "All required documents received.");
    slip.labels.scanned = t.tr("Scanned at the counter:");
    slip.footer_lines = {t.tr("Scan the QR code at any kiosk to see where your application stands."),
                         t.tr("Keep this slip: you need it to collect your certificate.")};
    return hw::receipts::encode_application_slip(slip, options);
  };
  return first_printable(language, make, problem);
}

std::optional<std::vector<std::uint8_t>> build_fee_receipt(const domain::Catalogue& catalogue,
                                                           const text::Translations& translations,
                                                           const FilingRequest& request, domain::Instant paid_at,
                                                           const std::string& counter_id, std::string& problem,
                                                           PaperText* paper_text) {
  const domain::Service* svc = catalogue.service(request.service);
  const hw::receipts::EncodeOptions options = paper_text ? paper_text->options() : hw::receipts::EncodeOptions{};
  const auto local = domain::to_local(paid_at, catalogue.centre.utc_offset_minutes);
  auto make = [&](const PaperTry& attempt) {
    const std::string& lang = attempt.language;
    const Tr t(translations, lang);
    auto paper = [&](std::string s) { return attempt.plain ? plain_for_paper(s) : s; };
    hw::receipts::FeeReceipt fee;
    fee.language = lang;
    fee.centre_name = catalogue.centre.name.get(lang);
    fee.centre_address = catalogue.centre.address;
    fee.service_name = svc ? svc->name.get(lang) : request.service;
    fee.receipt = request.receipt;
    fee.amount = paper(t.money(request.fee_minor, catalogue.centre.currency));
    fee.paid_at = paper(text::format_date_time(lang, local.year, local.month, local.day, local.minute_of_day / 60,
                                               local.minute_of_day % 60));
    const domain::Counter* counter = catalogue.counter(counter_id);
    fee.counter = counter ? counter->name.get(lang) : counter_id;
    fee.labels.title = t.trc("slip", "Fee receipt");
    fee.labels.receipt = t.trc("slip", "Receipt number");
    fee.labels.amount = t.trc("slip", "Amount paid");
    fee.labels.paid_at = t.trc("slip", "Paid");
    fee.labels.counter = t.trc("slip", "Counter");
    fee.footer_lines = {t.tr("Keep this receipt with your acknowledgement slip.")};
    return hw::receipts::encode_fee_receipt(fee, options);
  };
  return first_printable(request.language.empty() ? std::string("en") : request.language, make, problem);
}

}  // namespace guichet::kiosk
