#include "records.hpp"

#include <array>
#include <cstdio>
#include <stdexcept>

#include "guichet/domain/calendar.hpp"
#include "guichet/domain/form.hpp"

namespace guichet::bench {

namespace {

constexpr std::array kGiven = {"Gurpreet",  "Harjit", "Manpreet", "Sukhwinder", "Asha",     "Ramesh",    "Sunita",
                               "Baldev",    "Kiran",  "Amandeep", "Jaswinder",  "Navneet",  "Rupinder",  "Kulwant",
                               "Parminder", "Simran", "Rajinder", "Meena",      "Inderjit", "Lakhwinder"};
constexpr std::array kFamily = {"Kaur",  "Singh",   "Sharma", "Verma", "Gill",     "Sandhu", "Bansal",
                                "Arora", "Dhillon", "Grewal", "Sidhu", "Malhotra", "Sethi",  "Bhatia"};
constexpr std::array kPlaces = {"Civil Lines",    "Model Town",    "Sarabha Nagar", "Dugri",
                                "Haibowal Kalan", "Jamalpur",      "Shimlapuri",    "Giaspura",
                                "BRS Nagar",      "Pakhowal Road", "Rajguru Nagar", "Kitchlu Nagar"};

template <class A>
const char* pick(const A& a, std::mt19937_64& rng) {
  return a[static_cast<std::size_t>(rng() % a.size())];
}

std::string digits(std::mt19937_64& rng, int n, char first_from = '0') {
  std::string s;
  for (int i = 0; i < n; ++i) {
    const int lo = i == 0 ? first_from - '0' : 0;
    s.push_back(static_cast<char>('0' + lo + static_cast<int>(rng() % static_cast<unsigned>(10 - lo))));
  }
  return s;
}

std::string aadhaar(std::mt19937_64& rng) {
  const std::string body = digits(rng, 11, '2');
  for (char c = '0'; c <= '9'; ++c) {
    if (domain::verhoeff_valid(body + c)) return body + c;
  }
  return body + '0';  // unreachable: one check digit always fits
}

}  // namespace

RecordMaker::RecordMaker(const domain::Catalogue& catalogue, domain::Date filed_on, std::uint64_t seed)
    : catalogue_(catalogue), filed_on_(filed_on), rng_(seed) {
  for (const auto& s : catalogue_.services) {
    if (!s.form.empty()) services_.push_back(&s);
  }
  if (services_.empty()) throw std::runtime_error("the catalogue has no service with an application form");
}

std::string RecordMaker::value_for(const domain::FormField& f) {
  using domain::FieldType;
  domain::FormCheckOptions options;
  options.today = filed_on_;
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string v;
    switch (f.type) {
      case FieldType::Text:
        if (f.id.find("address") != std::string::npos || f.id.find("place") != std::string::npos) {
          v = std::to_string(1 + rng_() % 400) + ", " + pick(kPlaces, rng_) + ", Ludhiana";
        } else {
          v = std::string(pick(kGiven, rng_)) + " " + pick(kFamily, rng_);
        }
        break;
      case FieldType::Number: {
        const double lo = f.min.value_or(0), hi = f.max.value_or(lo + 1000);
        const double span = std::min(hi - lo, 500000.0);
        v = std::to_string(static_cast<long long>(lo + static_cast<double>(rng_() % 1000) / 1000.0 * span));
        break;
      }
      case FieldType::Date:
        v = domain::format_date(domain::add_days(filed_on_, -static_cast<int>(30 + rng_() % 20000)));
        break;
      case FieldType::Phone:
        v = "9";  // appended, not "9" + …: GCC 12 -O3 warns falsely on that (-Wrestrict)
        v += digits(rng_, 9);
        break;
      case FieldType::Email:
        v = "citizen";
        v += std::to_string(rng_() % 100000);
        v += "@example.in";
        break;
      case FieldType::Choice:
        if (!f.choices.empty()) v = f.choices[static_cast<std::size_t>(rng_() % f.choices.size())].id;
        break;
      case FieldType::YesNo:
        v = rng_() % 2 ? "yes" : "no";
        break;
      case FieldType::Aadhaar:
        v = aadhaar(rng_);
        break;
    }
    if (!domain::check_value(f, v, options).problem) return v;
  }
  if (!f.example.empty() && !domain::check_value(f, f.example, options).problem) return f.example;
  throw std::runtime_error("cannot make a valid value for field '" + f.id + "'");
}

nlohmann::json RecordMaker::make(const std::string& device, std::int64_t n) {
  const domain::Service& s = *services_[static_cast<std::size_t>(rng_() % services_.size())];
  char number[32];
  std::snprintf(number, sizeof number, "%06lld", static_cast<long long>(n));
  nlohmann::json fields = nlohmann::json::object();
  for (const auto& f : s.form) {
    // Optional fields are filled about two times in three, as people do.
    if (!f.required && rng_() % 3 == 0) continue;
    fields[f.id] = value_for(f);
  }
  nlohmann::json documents = nlohmann::json::array();
  for (const auto& d : s.documents) documents.push_back({{"id", d.id}, {"present", d.required || rng_() % 2 == 0}});
  const auto& languages = catalogue_.centre.languages;
  return {
      {"receipt", catalogue_.centre.id + "-" + device + "-" + number},
      {"service", s.id},
      {"language",
       languages.empty() ? std::string("en") : languages[static_cast<std::size_t>(rng_() % languages.size())]},
      {"channel", "counter"},
      {"filed_on", domain::format_date(filed_on_)},
      {"due_on", domain::format_date(
                     domain::due_date(catalogue_.calendar, filed_on_, s.time_limit_days, domain::Filed::AtCentre))},
      {"fields", std::move(fields)},
      {"documents", std::move(documents)},
      {"fee_minor", s.fee_minor},
  };
}

}  // namespace guichet::bench
