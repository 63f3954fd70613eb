// The JSON of tokens and events written straight into a string. Same text as
// sync::to_json(…).dump() (keys in the same order, same escapes, same time format; a unit test
// holds them equal), without building a JSON tree first: the server writes one or two of these for
// every operation, and the tree costs more than everything else the operation does.
#pragma once

#include <string>

#include "guichet/domain/queue.hpp"
#include "guichet/sync/protocol.hpp"

namespace guichet::server {

void append_json_string(std::string& out, std::string_view s);
void append_iso_local(std::string& out, domain::Instant t, int utc_offset_minutes);
void append_token_json(std::string& out, const domain::Token& t, int utc_offset_minutes);
void append_event_json(std::string& out, const sync::WireEvent& e, int utc_offset_minutes);

std::string token_json(const domain::Token& t, int utc_offset_minutes);
std::string event_json(const sync::WireEvent& e, int utc_offset_minutes);

}  // namespace guichet::server
