#include "guichet/testing/automation.hpp"

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

}  // namespace guichet::testing
