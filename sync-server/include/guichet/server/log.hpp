// One line per message on stderr, with the real time. Callers never pass PINs, secrets, session
// tokens or citizens' data; ids of devices, operators, counters and tokens are fine.
#pragma once

#include <string_view>

namespace guichet::server {

void log_info(std::string_view message);
void log_error(std::string_view message);

}  // namespace guichet::server
