// The printer simulator's network side, on 127.0.0.1 only:
//  - the print port (raw TCP, port-9100 style): jobs in, DLE EOT replies out;
//  - an optional control port with a line protocol, one command per line, one reply line each:
//      paper-out | paper-near-end | cover-open | offline   → "ok <command>"
//      ok                                                  → "ok" (faults cleared)
//      status → "online=1 paper_out=0 paper_near_end=0 cover_open=0 responding=1 jobs=2
//                lost_bytes=0 message=Printer ready"
//      jobs   → "jobs=2 lost_bytes=0 last=job-0002"
//      anything else → "error: unknown command '…'; commands: …"
// "jobs" counts jobs printed (finished at a cut or a closed connection). Each is then written to
// the output folder as job-NNNN.bin and job-NNNN.png (rendered by the ESC/POS interpreter) off the
// network thread; the files appear complete or not at all (written, then renamed), the .png last.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "guichet/hardware/error.hpp"

namespace guichet::hardware::printer_sim {

struct SimOptions {
  std::uint16_t port = 9100;                  // 0 = any free port
  std::optional<std::uint16_t> control_port;  // absent = no control port; 0 = any free port
  std::filesystem::path port_file;            // if set, the chosen print port is written here
  std::filesystem::path control_port_file;    // if set, the chosen control port is written here
  std::filesystem::path out_dir = "printer-out";
  int paper_width = 576;
};

class SimServer {
 public:
  // Binds the ports, creates the output folder, loads the renderer, writes the port files.
  static Result<std::unique_ptr<SimServer>> start(const SimOptions& options);
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  std::uint16_t port() const;
  std::optional<std::uint16_t> control_port() const;

  // Serves until stop becomes true (checked at least every 200 ms). Unfinished jobs of open
  // connections are written out before it returns.
  void run(const std::atomic<bool>& stop);

  // Executes one control-port line and returns the reply line (without newline).
  std::string control(const std::string& line);

 private:
  struct Impl;
  explicit SimServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace guichet::hardware::printer_sim
