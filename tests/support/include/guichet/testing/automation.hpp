#pragma once
// Driving an app through its UI automation (`--script -`): one command a line on its standard
// input, answered with one line, "ok" or "error: …"; the lines a `dump` prints ("| …") come first.

#include <chrono>
#include <string>
#include <vector>

#include "guichet/testing/process.hpp"

namespace guichet::testing {

// Sends `line` and returns the app's answer. The dump lines before it are put in `dumped`
// (cleared first). Lines starting with one of `ignored_prefixes` (e.g. the kiosk's "first-frame"
// report) are skipped. No answer within `timeout` gives "error: no answer to …" with the app's
// standard error, so a failing test shows why.
std::string automation_command(Process& app, const std::string& line, std::chrono::milliseconds timeout,
                               std::vector<std::string>& dumped, const std::vector<std::string>& ignored_prefixes = {});

// The dump lines joined, each ended by a newline.
std::string joined_lines(const std::vector<std::string>& lines);

// One item of a dump: `| control "Label" x y w h [disabled] [cut]` or `| text "…" x y w h [cut]`,
// in window pixels (`cut`: not all of it shows, docs/ui.md "Automation").
struct DumpedItem {
  bool control = false;
  std::string text;
  float x = 0, y = 0, w = 0, h = 0;
  bool enabled = true;
  bool cut = false;
  float bottom() const { return y + h; }
  float right() const { return x + w; }
};

// The items of dump lines, in the order drawn; lines that are not items are skipped.
std::vector<DumpedItem> parse_dump(const std::vector<std::string>& lines);

}  // namespace guichet::testing
