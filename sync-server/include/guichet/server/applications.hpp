// Applications filed at the centre (docs/server.md, "Applications"): the server's check of a
// filing against the catalogue (the terminal checked it too) and the public status a kiosk may
// show to anyone holding the receipt number. Pure: no storage, no clock.
#pragma once

#include <string>
#include <vector>

#include "guichet/domain/catalogue.hpp"
#include "guichet/domain/result.hpp"
#include "guichet/server/message.hpp"
#include "guichet/server/storage.hpp"

namespace guichet::server {

// Checks a POST /api/v1/applications body sent by `device_id` (a kiosk or a counter) in centre
// `catalogue.centre.id`. On success the record has every field of the filing (form values
// normalised, fields and documents as JSON text, the operator the filing names) and status
// "received"; device, times and the public status are left for the caller, and so is whether the
// operator named is one of the centre's (this check reads no storage). On failure: 400 (malformed
// body), 404 (unknown_service) or 422 (invalid_receipt, invalid_form with its problems,
// unknown_document, wrong_due_date, invalid_application: a kiosk filing with a fee or an
// operator), with a message naming the field. The text is read with
// simdjson; a JSON tree is built only when that reader does not take it, to word the refusal.
domain::Result<ApplicationRecord, Response> check_filing(const domain::Catalogue& catalogue, const std::string& body,
                                                         const std::string& device_id, DeviceKind device_kind);
// The same check of a body already parsed as a tree.
domain::Result<ApplicationRecord, Response> check_filing(const domain::Catalogue& catalogue, const nlohmann::json& body,
                                                         const std::string& device_id, DeviceKind device_kind);

// Central's check of a filing relayed by a centre node from terminal `origin`, whose kind central
// does not know: the filing's channel says it (and is checked with it). One parse for both.
domain::Result<ApplicationRecord, Response> check_relayed_filing(const domain::Catalogue& catalogue,
                                                                 const std::string& body, const std::string& origin);

// Whether `receipt` is "<centre>-<device>-<digits>" with at least 6 digits.
bool receipt_belongs_to(const std::string& receipt, const std::string& centre_id, const std::string& device_id);

// The public status: receipt, service, status, filed_on, due_on, updated_at (ISO 8601 with the
// centre's offset) and the history (status, at, note when given). Never the form's values.
std::string public_status_json(const ApplicationRecord& a, const std::vector<ApplicationHistoryEntry>& history,
                               int utc_offset_minutes);

}  // namespace guichet::server
