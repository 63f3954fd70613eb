// Loads a centre's service catalogue from TOML (see sync-server/catalogue/demo-centre.toml and
// docs/catalogue.md) and validates it completely. Every problem is reported with file, line,
// column and what is wrong; a catalogue with any problem is refused whole.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "guichet/domain/catalogue.hpp"
#include "guichet/domain/result.hpp"

namespace guichet::config {

struct ConfigError {
  std::string file;
  int line = 0;    // 1-based; 0 when the problem is the whole file (missing, unreadable)
  int column = 0;  // 1-based; 0 when unknown
  std::string message;
  // "demo-centre.toml:42:5: service 'income' names unknown department 'revenu'"
  std::string to_string() const;
};

// All problems found, in file order (parsing stops at the first syntax error).
struct ConfigErrors {
  std::vector<ConfigError> errors;
  std::string to_string() const;  // one line per error
};

domain::Result<domain::Catalogue, ConfigErrors> load_catalogue(const std::string& path);
domain::Result<domain::Catalogue, ConfigErrors> parse_catalogue(std::string_view toml_text,
                                                                const std::string& source_name);

}  // namespace guichet::config
