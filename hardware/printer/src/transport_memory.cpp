// An in-process wire: no device, no timing. A read with nothing pending times out at once, which
// is what a silent printer looks like to the driver.
#include "guichet/hardware/printer/transport.hpp"

namespace guichet::hardware::printer {

Error MemoryTransport::open() {
  if (!open_) ++opens_;
  open_ = true;
  return {};
}

void MemoryTransport::close() { open_ = false; }

Error MemoryTransport::write(std::span<const std::uint8_t> bytes) {
  if (auto err = open()) return err;
  if (next_write_error_) {
    Error err = std::move(next_write_error_);
    next_write_error_ = {};
    open_ = false;
    return err;
  }
  written_.insert(written_.end(), bytes.begin(), bytes.end());
  if (responder_) push_reply(responder_(bytes));
  return {};
}

Result<Bytes> MemoryTransport::read(std::size_t max_bytes, Millis timeout) {
  if (pending_.empty()) {
    return Error{ErrorKind::timeout,
                 "Printer not responding: no reply from memory within " + std::to_string(timeout.count()) + " ms"};
  }
  Bytes out;
  while (!pending_.empty() && out.size() < std::max<std::size_t>(max_bytes, 1)) {
    out.push_back(pending_.front());
    pending_.pop_front();
  }
  return out;
}

void MemoryTransport::push_reply(std::span<const std::uint8_t> bytes) {
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
}

}  // namespace guichet::hardware::printer
