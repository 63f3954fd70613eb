// The counter's side of filing (kiosk::ApplicationPort): receipt numbers from the outbox's durable
// counter; the scanned pages kept in the terminal's attachments (attachments.sqlite) before the
// filing that names them is written to the outbox; the filing an outbox entry
// (`application.file`) that the sync engine sends whenever it can, and the pages sent by the
// attachment uploader.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "application.hpp"
#include "guichet/sync/attachments.hpp"
#include "guichet/sync/client.hpp"

namespace guichet::counter {

class CounterFilingPort final : public kiosk::ApplicationPort {
 public:
  // `pages`: the scanned pages' bytes by sha256 (page_bytes()). `wake_sync` and `wake_uploader`
  // tell the sync engine and the uploader there is something new (may be null).
  CounterFilingPort(sync::Outbox& outbox, sync::AttachmentStore& attachments, std::string bearer,
                    std::map<std::string, std::vector<std::uint8_t>> pages, std::function<void()> wake_sync,
                    std::function<void()> wake_uploader, sync::Outbox::MetaChanges with_filing = {});

  std::string next_receipt(const std::string& centre_id) override;
  // Every file the filing names, durably in the attachments; throws (nothing filed) when a page's
  // bytes are not at hand or cannot be kept.
  void keep_files(const kiosk::FilingRequest& request) override;
  void file(const sync::json& body) override;
  // The filing's text with its files in the contract's key order (application_body_text).
  void file_request(const kiosk::FilingRequest& request) override;

 private:
  void append(const std::string& body);
  sync::Outbox& outbox_;
  sync::AttachmentStore& attachments_;
  std::string bearer_;
  std::map<std::string, std::vector<std::uint8_t>> pages_;
  std::function<void()> wake_sync_;
  std::function<void()> wake_uploader_;
  sync::Outbox::MetaChanges with_filing_;  // named values changed in the filing's transaction
};

}  // namespace guichet::counter
