// Waiting in tests for something another thread or process does: ask again every 20 ms until it
// holds or the time is up, then once more.
#pragma once

#include <chrono>
#include <thread>

namespace guichet::testing {

template <class F>
bool eventually(F ready, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ready();
}

}  // namespace guichet::testing
