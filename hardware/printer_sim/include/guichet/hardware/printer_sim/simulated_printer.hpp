// The behaviour of a receipt printer, without sockets: bytes in, status replies and finished jobs
// out. The simulator's server feeds it one connection at a time.
//
// Behaves like a real printer in what the driver can observe:
//  [X] DLE EOT 1–4 answered at once with real status bytes, even while faulted
//  [X] a job ends at a cut (GS V), or when the connection closes
//  [X] paper out, cover open: the bytes are not printed (discarded and counted as lost)
//  [X] paper near end: prints, and says so in the status
//  [X] unresponsive ("offline" on the control port): no reply at all and nothing printed, as
//      when the print engine behind a network card has hung
//  [X] a DLE EOT or GS V inside raster or QR data is data (commands are scanned, not grepped)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "guichet/hardware/escpos/status.hpp"

namespace guichet::hardware::printer_sim {

using Bytes = std::vector<std::uint8_t>;

enum class Fault { paper_out, paper_near_end, cover_open, unresponsive };

// One connection's unfinished input and job.
struct Session {
  Bytes pending;  // the start of a command whose rest has not arrived
  Bytes job;      // printed bytes of the job in progress
};

struct Received {
  Bytes replies;            // to send back on this connection
  std::vector<Bytes> jobs;  // jobs finished by this input
};

class SimulatedPrinter {
 public:
  void set_fault(Fault fault);
  void clear_faults();  // "ok": paper loaded, cover closed, responding

  escpos::PrinterStatus status() const;
  bool responding() const { return !unresponsive_; }
  bool can_print() const;

  Received receive(Session& session, std::span<const std::uint8_t> bytes);
  // The connection closed: an unfinished job is finished as it stands.
  std::vector<Bytes> end_session(Session& session);

  std::size_t jobs_printed() const { return jobs_printed_; }
  std::size_t bytes_lost() const { return bytes_lost_; }
  std::size_t status_replies() const { return status_replies_; }

 private:
  bool paper_out_ = false;
  bool paper_near_end_ = false;
  bool cover_open_ = false;
  bool unresponsive_ = false;
  std::size_t jobs_printed_ = 0;
  std::size_t bytes_lost_ = 0;
  std::size_t status_replies_ = 0;
};

}  // namespace guichet::hardware::printer_sim
