// An error for people, where the value itself is text (a Result<std::string, std::string> would
// be ambiguous).
#pragma once

#include <string>

namespace guichet::kiosk {

struct Problem {
  std::string message;
};

}  // namespace guichet::kiosk
