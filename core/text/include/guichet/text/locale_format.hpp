// Numbers, amounts of money, dates and times as each language writes them, through ICU.
//
// Which locale each language uses:
//   en -> en_IN   12,34,567.50   ₹1,00,000.00   21 November 2026
//   hi -> hi_IN   12,34,567.50   ₹1,00,000.00   21 नवंबर 2026
//   pa -> pa_IN   12,34,567.50   ₹1,00,000.00   21 ਨਵੰਬਰ 2026
//   ur -> ur_IN   12,34,567.50   ₹1,00,000.00   21 نومبر، 2026   (numbers as en_IN, see below)
//   fr -> fr_FR   1 234 567,50   100 000,00 ₹   21 novembre 2026 (U+202F narrow no-break space)
// Any other code is given to ICU as it is (with Latin digits).
//
// Digits: Latin (0-9) in every language — ICU numbering system "latn". Token numbers, receipt
// numbers and QR codes on the board and on paper are Latin, and a citizen compares the number on
// the slip with the one on the board, so every number on screen uses the same digits. Urdu's own
// ICU data would switch to Western grouping (1,234,567) with Latin digits; in India Urdu numbers
// are grouped like the other Indian languages, so Urdu takes en_IN's number symbols.
// Times are 24-hour ("09:04") in every language, as on the slips.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace guichet::text {

// "12,34,567" (hi) or "1 234 567" (fr).
std::string format_integer(std::string_view language, std::int64_t n);
// `value` with exactly `fraction_digits` decimals: "12,34,567.50" (hi), "1 234 567,50" (fr).
std::string format_decimal(std::string_view language, double value, int fraction_digits);
// An amount in minor units (paise, cents) of an ISO 4217 currency with its symbol where the
// language writes it: "₹1,00,000.00" (hi), "100 000,00 ₹" (fr). Exact: no floating point.
std::string format_money(std::string_view language, std::int64_t minor, std::string_view currency = "INR");
// Day, month name in the language, year: "21 नवंबर 2026". Month 1-12.
std::string format_date(std::string_view language, int year, int month, int day);
// 24-hour time: "09:04".
std::string format_time(std::string_view language, int hour, int minute);
// The date, then the time: "21 नवंबर 2026 09:04".
std::string format_date_time(std::string_view language, int year, int month, int day, int hour, int minute);

// Where the ICU half (libguichet_text_icu.so) is looked for, in order, the first time something is
// formatted: `from_env` (GUICHET_TEXT_ICU_MODULE) when set; then, for each of `program_dirs`, the
// module beside it, in ../lib/guichet/ (the installed layout, wherever the install was moved) and
// in ../lib/; then the build tree this library was built in, and the configured install prefix.
// Duplicates are listed once.
std::vector<std::string> locale_module_candidates(const char* from_env, const std::vector<std::string>& program_dirs);
// The same for this process: GUICHET_TEXT_ICU_MODULE, and the directories of the running program
// (/proc/self/exe) and of the object guichet_text is linked into (dladdr).
std::vector<std::string> locale_module_candidates();

}  // namespace guichet::text
