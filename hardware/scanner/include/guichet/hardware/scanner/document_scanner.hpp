// Document scanner: one page from a SANE scanner (a USB flatbed, a network scanner shared by saned)
// as PNG, or the scanner's problem in words an operator understands.
//
// What it does:
//  [X] the device named, or the first one SANE finds when the name is empty
//  [X] mode Gray (default) or Color, resolution (200 dpi default; the nearest the device allows),
//      the whole scan area the device offers
//  [X] SANE frames: gray, RGB, 1-bit lineart, 16-bit samples, unknown height (hand scanners)
//  [X] problems: Unreachable, NoDevice, Jammed, NoPaper, CoverOpen, Busy, Cancelled, Failed (with
//      SANE's own words), each with an English sentence for the operator
//  [X] sane_init/sane_exit around every scan and listing: a scanner plugged in later, or a saned
//      restarted, is found again; one SANE session at a time in the process (SANE is not
//      thread-safe)
//  [X] cancel() from another thread
//  [X] bounded reads: a network scanner whose daemon dies mid-page (the net backend then returns
//      empty reads for ever) ends as Unreachable at once; a scanner that sends nothing for
//      stall_timeout ends as Unreachable
//  [X] a scanner that does not let go once the outcome is known (a saned hung in its backend's
//      cancel after the page or a jam) is left after close_timeout, with the page or the problem
//  [X] SIGPIPE from a scanner's closed connection never reaches the process
//  [X] a daemon that accepts the connection but never answers the control calls (open, start):
//      given up after answer_timeout (SANE's net backend bounds only the connect), its
//      connections shut down
//  [ ] Three-pass colour scanners, ADF batches (one page per call), duplex: not supported.
//  [ ] A local (USB) backend that hangs inside the kernel is not unstuck in this process (only
//      saned's connections can be shut down from here): ScannerProcess runs each scan in a helper
//      process and kills a helper stuck that way.
//
// Nothing personal is written anywhere: the page's pixels go only to the caller.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/domain/result.hpp"

namespace guichet::hardware::scanner {

enum class ScanMode { Gray, Color };

// Where in a scan a SANE status came from: the same status means different things when opening
// (SANE_STATUS_INVAL: no such device; SANE_STATUS_IO_ERROR: cannot be reached) and when reading.
enum class ScanStep { Init, Open, Configure, Start, Read };

struct ScannerOptions {
  std::string device;  // SANE device name ("net:192.0.2.5:genesys:libusb:001:004"); "" = the first found
  ScanMode mode = ScanMode::Gray;
  int resolution_dpi = 200;
  // When set, exported as SANE_CONFIG_DIR before each sane_init. The environment is the
  // process's: every SANE user in the process sees it. SANE's dll layer reads the variable once
  // per process (the first directory it sees holds its dll.conf for good); the backends read their
  // own files (net.conf, …) from it at every sane_init. So use one directory for the process's
  // life and change the files in it (tests point SANE at a private saned this way).
  std::filesystem::path config_dir;
  // A scan that receives no data for this long is given up (Unreachable).
  std::chrono::milliseconds stall_timeout{30000};
  // A call outside the reading of the page (finding, opening, configuring, starting) that gets
  // no answer for this long is given up (Unreachable): the connections to saned are shut down so
  // that the call returns. Long enough for a flatbed's lamp to warm up.
  std::chrono::milliseconds answer_timeout{60000};
  // Once the page (or the scanner's problem) is in hand, the calls that let the device go idle
  // (cancel, close, exit, and the cancel SANE's net backend sends from inside its last read) get
  // this long; past it the connections to saned are shut down and the page (or the problem) is
  // given all the same. A saned can hang in its backend's cancel: the operator is not kept
  // waiting a minute for a page already read or a jam already known.
  std::chrono::milliseconds close_timeout{3000};
  // When set, called on the scanning thread at each step (as it starts, and again at each bounded
  // call within it) and as page data arrives: a sign of life for a process that supervises this
  // one (the scanning helper, scanner_process.hpp). Must return quickly.
  std::function<void(ScanStep)> on_progress;
};

struct ScannedPage {
  std::vector<std::uint8_t> png;
  int width = 0;
  int height = 0;
  int dpi = 0;
  bool color = false;
};

enum class ScanProblemKind { Unreachable, NoDevice, Jammed, NoPaper, CoverOpen, Busy, Cancelled, Failed };

struct ScanProblem {
  ScanProblemKind kind = ScanProblemKind::Failed;
  std::string message;  // for the operator: "Paper jammed in the scanner"
  std::string detail;   // for logs: the step, the device, SANE's status ("read: Document feeder jammed")
};

template <class T>
using ScanResult = domain::Result<T, ScanProblem>;

// Stable code for logs: "unreachable", "no_device", "jammed", "no_paper", "cover_open", "busy",
// "cancelled", "failed".
const char* to_string(ScanProblemKind kind);

// The operator's sentence. Failed carries SANE's words: "The scanner reported an error: Error
// during device I/O".
std::string operator_message(ScanProblemKind kind, std::string_view sane_words = {});

// A problem of `kind` with its operator's sentence (operator_message) and `detail` for the log.
ScanProblem make_problem(ScanProblemKind kind, std::string detail, std::string_view sane_words = {});

// The problem for a SANE_Status (passed as its integer value, so this header needs no SANE).
ScanProblem problem_for_status(int sane_status, ScanStep step);

struct ScannerDevice {
  std::string name;    // what ScannerOptions::device takes
  std::string vendor;  // "Canon"
  std::string model;   // "LiDE 300"
  std::string type;    // "flatbed scanner"
};

// The scanners SANE finds now (for the counter's settings and its logs). config_dir as in
// ScannerOptions. Only an init failure is a problem: no scanner is an empty list.
ScanResult<std::vector<ScannerDevice>> list_devices(const std::filesystem::path& config_dir = {});

class DocumentScanner {
 public:
  explicit DocumentScanner(ScannerOptions options = {});
  ~DocumentScanner();
  DocumentScanner(const DocumentScanner&) = delete;
  DocumentScanner& operator=(const DocumentScanner&) = delete;

  // Scans one page; blocks until it is in (call it off the UI thread). Scans from several threads
  // or scanners take turns.
  ScanResult<ScannedPage> scan_page();

  // Ends the scan in progress as Cancelled (sane_cancel); callable from any thread. Does nothing
  // when no scan runs.
  void cancel();

  const ScannerOptions& options() const { return options_; }

  struct Session;  // the SANE handle of the scan in progress, shared with cancel()

 private:
  ScannerOptions options_;
  std::shared_ptr<Session> session_;
};

}  // namespace guichet::hardware::scanner
