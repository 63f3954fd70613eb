#include "filing_port.hpp"

#include <chrono>
#include <stdexcept>

namespace guichet::counter {

namespace {

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

CounterFilingPort::CounterFilingPort(sync::Outbox& outbox, sync::AttachmentStore& attachments, std::string bearer,
                                     std::map<std::string, std::vector<std::uint8_t>> pages,
                                     std::function<void()> wake_sync, std::function<void()> wake_uploader,
                                     sync::Outbox::MetaChanges with_filing)
    : outbox_(outbox),
      attachments_(attachments),
      bearer_(std::move(bearer)),
      pages_(std::move(pages)),
      wake_sync_(std::move(wake_sync)),
      wake_uploader_(std::move(wake_uploader)),
      with_filing_(std::move(with_filing)) {}

std::string CounterFilingPort::next_receipt(const std::string& centre_id) {
  return outbox_.next_application_receipt(centre_id);
}

void CounterFilingPort::keep_files(const kiosk::FilingRequest& request) {
  bool kept = false;
  for (const auto& id : request.document_order) {
    const auto files = request.files.find(id);
    if (files == request.files.end()) continue;
    for (const auto& f : files->second) {
      const auto bytes = pages_.find(f.sha256);
      if (bytes == pages_.end()) {
        throw std::runtime_error("a scanned page of the application is no longer at hand (" + f.sha256.substr(0, 12) +
                                 "…); scan it again");
      }
      const sync::AttachmentInfo info = attachments_.put(f.media_type, bytes->second, wall_ms());
      if (info.sha256 != f.sha256 || info.bytes != f.bytes) {
        throw std::runtime_error("a scanned page changed in memory before it was saved; scan it again");
      }
      kept = true;
    }
  }
  if (kept && wake_uploader_) wake_uploader_();
}

void CounterFilingPort::file(const sync::json& body) { append(body.dump()); }

void CounterFilingPort::file_request(const kiosk::FilingRequest& request) {
  append(kiosk::application_body_text(request));
}

void CounterFilingPort::append(const std::string& body) {
  outbox_.append("POST", "/api/v1/applications", body, bearer_, wall_ms(), "application.file", with_filing_);
  if (wake_sync_) wake_sync_();
}

}  // namespace guichet::counter
