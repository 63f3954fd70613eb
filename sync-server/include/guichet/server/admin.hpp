// Administration of a centre's database, behind the guichet-server subcommands: create it, add
// operators and devices, revoke a device. Each returns a sentence for people or an error message.
#pragma once

#include <string>

#include "guichet/domain/result.hpp"

namespace guichet::server {

struct AdminError {
  std::string message;
};
using AdminResult = domain::Result<std::string, AdminError>;

// Ids of operators and devices: 1 to 32 letters, digits, '-' or '_'.
bool valid_id(const std::string& id);

AdminResult init_database(const std::string& db_path);
AdminResult add_operator(const std::string& db_path, const std::string& id, const std::string& name,
                         const std::string& role, const std::string& pin);

struct NewDevice {
  std::string message;
  std::string secret;  // hex; shown once, never stored
};
domain::Result<NewDevice, AdminError> add_device(const std::string& db_path, const std::string& id,
                                                 const std::string& kind);
AdminResult revoke_device(const std::string& db_path, const std::string& id);

}  // namespace guichet::server
