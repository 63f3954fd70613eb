#include "guichet/server/device_activity.hpp"

#include <algorithm>
#include <utility>

namespace guichet::server {

std::optional<std::int64_t> DeviceSeen::waiting() const {
  if (!report) return std::nullopt;
  return std::max<std::int64_t>(0, report->pending - answered);
}

std::optional<std::int64_t> DeviceSeen::oldest_waiting_ms() const {
  if (!report || report->pending == 0 || answered > 0) return std::nullopt;
  return report_ms - report->oldest_age_s * 1000;
}

void DeviceActivity::heard(const std::string& device, std::int64_t now_ms, const TerminalSays& says) {
  std::lock_guard lock(mu_);
  DeviceSeen& s = seen_[device];
  s.heard_ms = std::max(s.heard_ms, now_ms);
  if (says.disk_free_mib) s.disk_free_mib = says.disk_free_mib;
  if (says.printer) {
    // The newest look wins, not the last request handled: a request made before the terminal
    // looked again (an upload already on its way) may be handled after one made since.
    const std::int64_t checked_ms = now_ms - says.printer->checked_age_s * 1000;
    if (s.printer_state.empty() || checked_ms >= s.printer_checked_ms) {
      s.printer_state = says.printer->state;
      s.printer_checked_ms = checked_ms;
    }
  }
  if (says.outbox) {
    s.report = says.outbox;
    s.report_ms = now_ms;
    s.answered = 0;
  }
}

void DeviceActivity::answered(const std::string& device, std::int64_t entries) {
  std::lock_guard lock(mu_);
  auto it = seen_.find(device);
  if (it == seen_.end() || !it->second.report) return;
  it->second.answered = std::max<std::int64_t>(0, entries);
}

void DeviceActivity::feed_opened(const std::string& device, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  DeviceSeen& s = seen_[device];
  s.feeds += 1;
  s.heard_ms = std::max(s.heard_ms, now_ms);
}

void DeviceActivity::feed_closed(const std::string& device, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = seen_.find(device);
  if (it == seen_.end()) return;  // forgotten (revoked) while open
  it->second.feeds = std::max(0, it->second.feeds - 1);
  it->second.heard_ms = std::max(it->second.heard_ms, now_ms);
}

void DeviceActivity::forget(const std::string& device) {
  std::lock_guard lock(mu_);
  seen_.erase(device);
}

std::map<std::string, DeviceSeen> DeviceActivity::snapshot(std::int64_t now_ms) const {
  std::lock_guard lock(mu_);
  std::map<std::string, DeviceSeen> out = seen_;
  for (auto& [device, s] : out) {
    if (s.feeds > 0) s.heard_ms = std::max(s.heard_ms, now_ms);
  }
  return out;
}

void UpstreamLink::went_through(std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  state_.last_answer_ms = std::max(state_.last_answer_ms, now_ms);
  state_.down_since_ms = 0;
  state_.problem.clear();
}

void UpstreamLink::did_not_go_through(std::int64_t now_ms, bool answered, std::string problem) {
  std::lock_guard lock(mu_);
  if (answered) state_.last_answer_ms = std::max(state_.last_answer_ms, now_ms);
  if (state_.down_since_ms == 0) state_.down_since_ms = now_ms;
  state_.problem = std::move(problem);
}

UpstreamState UpstreamLink::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

}  // namespace guichet::server
