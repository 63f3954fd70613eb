#include "guichet/server/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace guichet::server {
namespace {

std::mutex log_mu;

void write(const char* level, std::string_view message) {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard lock(log_mu);
  std::fprintf(stderr, "%s.%03dZ guichet-server %s: %.*s\n", stamp, static_cast<int>(ms), level,
               static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
}

}  // namespace

void log_info(std::string_view message) { write("info", message); }
void log_error(std::string_view message) { write("error", message); }

}  // namespace guichet::server
