#include "guichet/testing/automation.hpp"

#include <sstream>

namespace guichet::testing {

std::string automation_command(Process& app, const std::string& line, std::chrono::milliseconds timeout,
                               std::vector<std::string>& dumped, const std::vector<std::string>& ignored_prefixes) {
  app.write_line(line);
  dumped.clear();
  for (;;) {
    auto reply = app.read_line(timeout);
    if (!reply) return "error: no answer to '" + line + "' (" + app.stderr_text() + ")";
    if (reply->rfind("| ", 0) == 0) {
      dumped.push_back(*reply);
      continue;
    }
    bool ignored = false;
    for (const auto& prefix : ignored_prefixes) ignored = ignored || reply->rfind(prefix, 0) == 0;
    if (!ignored) return *reply;
  }
}

std::string joined_lines(const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  return all;
}

std::vector<DumpedItem> parse_dump(const std::vector<std::string>& lines) {
  std::vector<DumpedItem> items;
  for (const auto& line : lines) {
    if (line.rfind("| ", 0) != 0) continue;
    const auto open = line.find('"'), close = line.rfind('"');
    if (open == std::string::npos || close <= open) continue;
    DumpedItem item;
    item.control = line.compare(2, 7, "control") == 0;
    item.text = line.substr(open + 1, close - open - 1);
    std::istringstream rest(line.substr(close + 1));
    if (!(rest >> item.x >> item.y >> item.w >> item.h)) continue;
    for (std::string flag; rest >> flag;) {
      if (flag == "disabled") item.enabled = false;
      if (flag == "cut") item.cut = true;
    }
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace guichet::testing
