// Receipts of the demo centre (Ludhiana Sewa Kendra) in each language the kiosk offers, with their
// labels translated here as the kiosk would pass them: the test data of the golden receipts.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "guichet/hardware/receipts/application_slip.hpp"
#include "guichet/hardware/receipts/token_slip.hpp"
#include "guichet/text/fonts.hpp"
#include "guichet/text/layout.hpp"

namespace guichet::test {

inline const std::vector<std::string>& receipt_languages() {
  static const std::vector<std::string> langs{"en", "pa", "hi", "ur", "fr"};
  return langs;
}

// One text engine per test program, shared like the kiosk shares its engine with the printer:
// the system's Noto fonts (Debian fonts-noto-core), regular and bold.
struct ReceiptText {
  text::FontSet regular;
  text::FontSet bold{text::bold_faces(regular)};
  text::TextEngine engine{regular};
  text::TextEngine bold_engine{bold};

  hardware::receipts::EncodeOptions options() {
    hardware::receipts::EncodeOptions o;
    o.text = &engine;
    o.bold_text = &bold_engine;
    return o;
  }
};

inline ReceiptText& receipt_text() {
  static ReceiptText* text = new ReceiptText();  // never destroyed: shared by every test
  return *text;
}

struct Content {
  std::string centre, address, service, department, priority, issued, wait;
  std::vector<std::string> footer;
  hardware::receipts::SlipLabels slip;
  hardware::receipts::ApplicationSlipLabels ack;
  std::vector<std::string> missing;
  std::string filed_on, due_on, fee_line, ack_footer;
  hardware::receipts::FeeReceiptLabels fee;
  std::string amount, paid_at, counter, fee_footer;
};

inline Content content(const std::string& lang) {
  Content c;
  if (lang == "pa") {
    c.centre = "ਲੁਧਿਆਣਾ ਸੇਵਾ ਕੇਂਦਰ";
    c.address = "ਮਿੰਨੀ ਸਕੱਤਰੇਤ, ਫ਼ਿਰੋਜ਼ਪੁਰ ਰੋਡ, ਲੁਧਿਆਣਾ 141001";
    c.service = "ਜਨਮ ਸਰਟੀਫਿਕੇਟ";
    c.department = "ਸਿਹਤ ਅਤੇ ਪਰਿਵਾਰ ਭਲਾਈ ਵਿਭਾਗ";
    c.priority = "ਸੀਨੀਅਰ ਨਾਗਰਿਕ";
    c.issued = "23 ਨਵੰਬਰ 2026 09:14";
    c.wait = "ਲਗਭਗ 25 ਮਿੰਟ, 6 ਅੱਗੇ";
    c.footer = {"ਕਿਰਪਾ ਕਰਕੇ ਆਪਣੇ ਨੰਬਰ ਲਈ ਸਕਰੀਨ ਵੇਖੋ।", "ਸੇਵਾ ਮਿਲਣ ਤੱਕ ਇਹ ਪਰਚੀ ਸੰਭਾਲ ਕੇ ਰੱਖੋ।"};
    c.slip = {"ਤੁਹਾਡਾ ਟੋਕਨ ਨੰਬਰ", "ਜਾਰੀ ਕੀਤਾ", "ਅੰਦਾਜ਼ਨ ਉਡੀਕ"};
    c.ack = {"ਅਰਜ਼ੀ ਪ੍ਰਾਪਤ ਹੋਈ", "ਰਸੀਦ ਨੰਬਰ",        "ਦਾਖ਼ਲ ਕਰਨ ਦੀ ਮਿਤੀ",       "ਮਿਲਣ ਦੀ ਮਿਤੀ",
             "ਟੋਕਨ",           "ਅਜੇ ਬਾਕੀ ਦਸਤਾਵੇਜ਼:", "ਸਾਰੇ ਲੋੜੀਂਦੇ ਦਸਤਾਵੇਜ਼ ਮਿਲ ਗਏ।"};
    c.missing = {"ਹਸਪਤਾਲ ਦੀ ਜਨਮ ਪਰਚੀ", "ਮਾਪਿਆਂ ਦਾ ਆਧਾਰ ਕਾਰਡ"};
    c.filed_on = "21 ਨਵੰਬਰ 2026";
    c.due_on = "1 ਦਸੰਬਰ 2026";
    c.fee_line = "ਕਾਊਂਟਰ 'ਤੇ ਭਰਨ ਯੋਗ ਫ਼ੀਸ: ₹50.00";
    c.ack_footer = "ਅਰਜ਼ੀ ਦੀ ਸਥਿਤੀ ਵੇਖਣ ਲਈ ਕਿਸੇ ਵੀ ਕਿਓਸਕ 'ਤੇ QR ਕੋਡ ਸਕੈਨ ਕਰੋ।";
    c.fee = {"ਫ਼ੀਸ ਦੀ ਰਸੀਦ", "ਰਸੀਦ ਨੰਬਰ", "ਭਰੀ ਗਈ ਰਕਮ", "ਭੁਗਤਾਨ", "ਕਾਊਂਟਰ"};
    c.amount = "₹50.00";
    c.paid_at = "21 ਨਵੰਬਰ 2026 10:42";
    c.counter = "1";
    c.fee_footer = "ਇਹ ਰਸੀਦ ਆਪਣੀ ਅਰਜ਼ੀ ਦੀ ਪਰਚੀ ਨਾਲ ਰੱਖੋ।";
  } else if (lang == "hi") {
    c.centre = "लुधियाना सेवा केंद्र";
    c.address = "मिनी सचिवालय, फ़िरोज़पुर रोड, लुधियाना 141001";
    c.service = "जन्म प्रमाण पत्र";
    c.department = "स्वास्थ्य एवं परिवार कल्याण विभाग";
    c.priority = "वरिष्ठ नागरिक";
    c.issued = "23 नवंबर 2026 09:14";
    c.wait = "लगभग 25 मिनट, 6 आगे";
    c.footer = {"कृपया अपने नंबर के लिए स्क्रीन देखें।", "सेवा मिलने तक यह पर्ची संभाल कर रखें।"};
    c.slip = {"आपका टोकन नंबर", "जारी", "अनुमानित प्रतीक्षा"};
    c.ack = {"आवेदन प्राप्त हुआ", "रसीद संख्या",        "जमा करने की तिथि",           "मिलने की तिथि",
             "टोकन",          "अभी बाकी दस्तावेज़:", "सभी आवश्यक दस्तावेज़ प्राप्त हुए।"};
    c.missing = {"अस्पताल की जन्म पर्ची", "माता-पिता का आधार कार्ड"};
    c.filed_on = "21 नवंबर 2026";
    c.due_on = "1 दिसंबर 2026";
    c.fee_line = "काउंटर पर देय शुल्क: ₹50.00";
    c.ack_footer = "आवेदन की स्थिति देखने के लिए किसी भी कियोस्क पर QR कोड स्कैन करें।";
    c.fee = {"शुल्क रसीद", "रसीद संख्या", "भुगतान की गई राशि", "भुगतान", "काउंटर"};
    c.amount = "₹50.00";
    c.paid_at = "21 नवंबर 2026 10:42";
    c.counter = "1";
    c.fee_footer = "यह रसीद अपनी आवेदन पर्ची के साथ रखें।";
  } else if (lang == "ur") {
    c.centre = "لدھیانہ سیوا کیندر";
    c.address = "منی سیکرٹریٹ، فیروزپور روڈ، لدھیانہ 141001";
    c.service = "پیدائش کا سرٹیفکیٹ";
    c.department = "محکمہ صحت و خاندانی بہبود";
    c.priority = "بزرگ شہری";
    c.issued = "23 نومبر 2026 09:14";
    c.wait = "تقریباً 25 منٹ، 6 آگے";
    c.footer = {"براہ کرم اپنے نمبر کے لیے اسکرین دیکھیں۔", "خدمت ملنے تک یہ پرچی سنبھال کر رکھیں۔"};
    c.slip = {"آپ کا ٹوکن نمبر", "جاری", "متوقع انتظار"};
    c.ack = {"درخواست موصول ہو گئی",
             "رسید نمبر",
             "جمع کرانے کی تاریخ",
             "ملنے کی تاریخ",
             "ٹوکن",
             "ابھی باقی دستاویزات:",
             "تمام ضروری دستاویزات موصول ہو گئیں۔"};
    // A Latin name inside Urdu: it reads left to right within the right-to-left line.
    c.missing = {"ہسپتال کی پیدائش کی پرچی", "والدین کا Aadhaar کارڈ"};
    c.filed_on = "21 نومبر 2026";
    c.due_on = "1 دسمبر 2026";
    c.fee_line = "کاؤنٹر پر قابل ادا فیس: ₹50.00";
    c.ack_footer = "درخواست کی صورتحال دیکھنے کے لیے کسی بھی کیوسک پر QR کوڈ اسکین کریں۔";
    c.fee = {"فیس کی رسید", "رسید نمبر", "ادا شدہ رقم", "ادائیگی", "کاؤنٹر"};
    c.amount = "₹50.00";
    c.paid_at = "21 نومبر 2026 10:42";
    c.counter = "1";
    c.fee_footer = "یہ رسید اپنی درخواست کی پرچی کے ساتھ رکھیں۔";
  } else if (lang == "fr") {
    c.centre = "Sewa Kendra de Ludhiana";
    c.address = "Mini-secrétariat, route de Ferozepur, Ludhiana 141001";
    c.service = "Acte de naissance";
    c.department = "Santé et Bien-être familial";
    c.priority = "Personne âgée";
    c.issued = "23 nov. 2026 09:14";
    c.wait = "Environ 25 min, 6 avant vous";
    c.footer = {"Surveillez l'écran pour votre numéro.", "Gardez ce ticket jusqu'à votre passage."};
    c.slip = {"Votre numéro", "Émis le", "Attente estimée"};
    c.ack = {"Demande reçue",
             "Numéro de reçu",
             "Déposée le",
             "Prête le",
             "Ticket",
             "Documents manquants :",
             "Tous les documents requis ont été reçus."};
    c.missing = {"Certificat de naissance de l'hôpital", "Carte Aadhaar des parents"};
    c.filed_on = "21 nov. 2026";
    c.due_on = "1 déc. 2026";
    c.fee_line = "Frais à payer au guichet : 50,00 Rs";
    c.ack_footer = "Scannez le code QR à une borne pour suivre votre demande.";
    c.fee = {"Reçu de paiement", "Numéro de reçu", "Montant payé", "Payé le", "Guichet"};
    c.amount = "50,00 Rs";
    c.paid_at = "21 nov. 2026 10:42";
    c.counter = "1";
    c.fee_footer = "Gardez ce reçu avec votre accusé de dépôt.";
  } else {
    c.centre = "Ludhiana Sewa Kendra";
    c.address = "Mini Secretariat, Ferozepur Road, Ludhiana 141001";
    c.service = "Birth certificate";
    c.department = "Health and Family Welfare";
    c.priority = "Senior citizen";
    c.issued = "23 Nov 2026 09:14";
    c.wait = "About 25 min, 6 ahead";
    c.footer = {"Please watch the screen for your number.", "Keep this slip until you are served."};
    c.missing = {"Hospital birth slip", "Aadhaar card of the parents"};
    c.filed_on = "21 Nov 2026";
    c.due_on = "1 Dec 2026";
    c.fee_line = "Fee to pay at the counter: Rs 50.00";
    c.ack_footer = "Scan the QR code at any kiosk to see where your application stands.";
    c.amount = "Rs 50.00";
    c.paid_at = "21 Nov 2026 10:42";
    c.counter = "1";
    c.fee_footer = "Keep this receipt with your acknowledgement slip.";
  }
  return c;
}

inline hardware::receipts::TokenSlip token_slip_in(const std::string& lang,
                                                   int paper_width = hardware::receipts::kPaper80mm) {
  const Content c = content(lang);
  hardware::receipts::TokenSlip s;
  s.centre_name = c.centre;
  s.centre_address = c.address;
  s.service_name = c.service;
  s.department = c.department;
  s.display_number = "A042";
  s.priority_label = c.priority;
  s.issued_time = c.issued;
  s.estimated_wait = c.wait;
  s.qr_payload = "LDH01-20261123-A042";
  s.footer_lines = c.footer;
  s.paper_width = paper_width;
  s.labels = c.slip;
  s.language = lang;
  return s;
}

inline hardware::receipts::ApplicationSlip application_slip_in(const std::string& lang,
                                                               int paper_width = hardware::receipts::kPaper80mm) {
  const Content c = content(lang);
  hardware::receipts::ApplicationSlip s;
  s.centre_name = c.centre;
  s.centre_address = c.address;
  s.service_name = c.service;
  s.receipt = "LDH01-K1-000042";
  s.filed_on = c.filed_on;
  s.due_on = c.due_on;
  s.token = "A042";
  s.missing_documents = c.missing;
  s.fee_line = c.fee_line;
  s.footer_lines = {c.ack_footer};
  s.paper_width = paper_width;
  s.labels = c.ack;
  s.language = lang;
  return s;
}

inline hardware::receipts::FeeReceipt fee_receipt_in(const std::string& lang,
                                                     int paper_width = hardware::receipts::kPaper80mm) {
  const Content c = content(lang);
  hardware::receipts::FeeReceipt r;
  r.centre_name = c.centre;
  r.centre_address = c.address;
  r.service_name = c.service;
  r.receipt = "LDH01-C1-000007";
  r.amount = c.amount;
  r.paid_at = c.paid_at;
  r.counter = c.counter;
  r.footer_lines = {c.fee_footer};
  r.paper_width = paper_width;
  r.labels = c.fee;
  r.language = lang;
  return r;
}

}  // namespace guichet::test
