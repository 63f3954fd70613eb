// The terminal's side of POST /api/v1/sync/upload on the wire (docs/sync.md, "Protocol v1"): the
// request body written as text (the entries' bodies are JSON text already: they are spliced in as
// strings, no tree is built) and the server's answer read in one pass without a tree (simdjson On
// Demand). The sync engine uses these; they are here to be tested on their own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/sync/client.hpp"

namespace guichet::sync::wire {

// Appends `s` as a JSON string, quotes included, escaped as nlohmann::json::dump() escapes it:
// '"', '\\' and the control characters (\b \f \n \r \t, others \u00XX); all else, UTF-8 included,
// as it is.
void append_json_string(std::string& out, std::string_view s);

// {"protocol":1,"entries":[{"seq":…,"kind":…,"hlc":…,"method":…,"path":…,"body":"…"[,"bearer":…]}…]}
std::string upload_body(const std::vector<OutboxEntry>& entries);

// What an upload's answer says about the entries sent (seqs in order).
struct UploadAnswer {
  // Final answers (2xx, 4xx) of the leading entries, in order; results that do not match the
  // entries sent, in order, end the list.
  std::vector<Outbox::Answer> answers;
  // The first entry answered without a final answer (0, 408 or 5xx): it and those after it stay
  // pending. 0 when there is none.
  std::int64_t unanswered_seq = 0;
  int unanswered_status = 0;
  // The server's clock time ("server_hlc"), when present and well formed.
  std::optional<domain::HlcTime> server_hlc;
};

// Reads {"protocol":1,"durable_through":…,"results":[{"seq","status","body"}…],"server_hlc":"…"}.
// A result's body is kept as text: a string as its value, anything else as the JSON text the
// server wrote. `body` gets padding appended to its capacity (its contents are unchanged). False,
// with `error` saying what and where, when the answer is not that JSON object.
bool parse_upload_answer(std::string& body, const std::vector<OutboxEntry>& sent, UploadAnswer& out,
                         std::string& error);

}  // namespace guichet::sync::wire
