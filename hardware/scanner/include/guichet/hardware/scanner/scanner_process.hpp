// The document scanner in a process of its own: each scan runs the scanning helper (guichet-scan,
// a DocumentScanner in a child process) and reads its answer (scan_wire.hpp). A scanner's driver
// that hangs where nothing in the process can unstick it (a USB backend blocked in the kernel, a
// backend looping for ever) or that crashes (a vendor backend's segfault) takes the helper with it,
// never the counter: the helper is killed, the operator is told, the next scan starts a new one.
//
// What it does:
//  [X] the same options and answers as DocumentScanner (the helper is one)
//  [X] the helper says it is alive at each step and as page data arrives; one silent for longer
//      than the scan's own bounds allow (silence_limit()) is killed: Unreachable, "did not answer"
//  [X] a helper that dies without an answer (a crash): Failed, "its driver stopped", with the
//      signal or the exit status in the detail
//  [X] an answer that is not one (scan_wire.hpp refuses it): Failed, with where and what
//  [X] cancel() from any thread: the helper is told, and killed if it has not ended within the
//      close timeout and a grace
//  [X] a helper that ended is reaped; one that cannot be (stuck in the kernel) is killed and left
//      to a waiting thread, and the next scan does not wait on it
//  [X] the helper's standard input closed (the counter gone): it cancels its scan and exits
//
// Nothing personal is written anywhere: the page's pixels go only to the caller.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>

#include "guichet/hardware/scanner/document_scanner.hpp"

namespace guichet::hardware::scanner {

// How long a helper may stay silent: the longest step the scan bounds itself (the answer timeout
// or the stall timeout), then the close timeout, plus two seconds. A helper that says nothing for
// longer is stuck where its own bounds cannot reach.
std::chrono::milliseconds silence_limit(const ScannerOptions& options);

class ScannerProcess {
 public:
  // `helper`: the guichet-scan program. options.on_progress is not used (the helper's signs of
  // life are read here).
  ScannerProcess(ScannerOptions options, std::filesystem::path helper);
  ~ScannerProcess();
  ScannerProcess(const ScannerProcess&) = delete;
  ScannerProcess& operator=(const ScannerProcess&) = delete;

  // Scans one page in a new helper; blocks until it is in (call it off the UI thread). Scans from
  // several threads take turns.
  ScanResult<ScannedPage> scan_page();

  // Ends the scan in progress as Cancelled; callable from any thread. Does nothing when no scan
  // runs.
  void cancel();

  // The helper of the scan in progress (0 when none): for tests and for the operator's logs.
  pid_t helper_pid() const;

  const ScannerOptions& options() const { return options_; }

  struct Running;  // the helper of the scan in progress, shared with cancel()

 private:
  ScannerOptions options_;
  std::filesystem::path helper_;
  std::mutex scan_mutex_;  // one scan at a time
  std::shared_ptr<Running> running_;
};

}  // namespace guichet::hardware::scanner
