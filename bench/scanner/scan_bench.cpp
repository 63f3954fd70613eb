// What the scanning helper costs: one page from SANE's network daemon (the test device, a 200 dpi
// grid of 200 x 200 mm, gray) scanned in the calling process (DocumentScanner) and through the
// helper process (ScannerProcess running guichet-scan), alternated, with the medians and their
// ratio printed. Build optimised before reading anything into the figures.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "guichet/hardware/scanner/document_scanner.hpp"
#include "guichet/hardware/scanner/scanner_process.hpp"
#include "guichet/testing/saned.hpp"

namespace {

namespace sc = guichet::hardware::scanner;
using Clock = std::chrono::steady_clock;

double median_ms(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

template <class Scanner>
bool timed_scan(Scanner& scanner, std::vector<double>& times) {
  const auto begin = Clock::now();
  auto page = scanner.scan_page();
  const auto took = std::chrono::duration<double, std::milli>(Clock::now() - begin).count();
  if (!page.ok()) {
    std::fprintf(stderr, "scan failed: %s\n", page.error().detail.c_str());
    return false;
  }
  times.push_back(took);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Scanning in process against through the scanning helper (guichet-scan)"};
  int pages = 15;
  std::string helper = GUICHET_SCAN_HELPER;
  app.add_option("--pages", pages, "pages scanned each way")->check(CLI::Range(1, 1000));
  app.add_option("--helper", helper, "the guichet-scan program");
  CLI11_PARSE(app, argc, argv);

  guichet::testing::SanedSimulator saned;
  if (!saned.start()) {
    std::fprintf(stderr, "saned did not start: %s\n", saned.log().c_str());
    return 1;
  }
  sc::ScannerOptions o;
  o.device = saned.device_name(0);
  o.config_dir = saned.client_config_dir();
  sc::DocumentScanner in_process(o);
  sc::ScannerProcess through_helper(o, helper);

  std::vector<double> inside;
  std::vector<double> helped;
  // One of each first, not counted (the daemon's and the page cache's first use).
  std::vector<double> warm;
  if (!timed_scan(in_process, warm) || !timed_scan(through_helper, warm)) return 1;
  for (int i = 0; i < pages; ++i) {
    if (!timed_scan(in_process, inside) || !timed_scan(through_helper, helped)) return 1;
  }
  const double a = median_ms(inside);
  const double b = median_ms(helped);
  std::printf("one 200 dpi gray page (1574 x 1574) from saned on loopback, %d pages each way, alternated:\n", pages);
  std::printf("  in process:           median %.1f ms (min %.1f, max %.1f)\n", a,
              *std::min_element(inside.begin(), inside.end()), *std::max_element(inside.begin(), inside.end()));
  std::printf("  through guichet-scan: median %.1f ms (min %.1f, max %.1f)\n", b,
              *std::min_element(helped.begin(), helped.end()), *std::max_element(helped.begin(), helped.end()));
  std::printf("  helper / in process:  %.2fx (+%.1f ms per page)\n", b / a, b - a);
  return 0;
}
