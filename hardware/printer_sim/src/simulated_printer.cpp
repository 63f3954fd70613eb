#include "guichet/hardware/printer_sim/simulated_printer.hpp"

#include "guichet/hardware/escpos/scanner.hpp"

namespace guichet::hardware::printer_sim {

namespace {

using escpos::CommandKind;
using escpos::ScanStatus;

bool is_cut(std::span<const std::uint8_t> command) {
  return command.size() >= 3 && command[0] == escpos::kGs && command[1] == 'V';
}

}  // namespace

void SimulatedPrinter::set_fault(Fault fault) {
  switch (fault) {
    case Fault::paper_out:
      paper_out_ = true;
      break;
    case Fault::paper_near_end:
      paper_near_end_ = true;
      break;
    case Fault::cover_open:
      cover_open_ = true;
      break;
    case Fault::unresponsive:
      unresponsive_ = true;
      break;
  }
}

void SimulatedPrinter::clear_faults() { paper_out_ = paper_near_end_ = cover_open_ = unresponsive_ = false; }

escpos::PrinterStatus SimulatedPrinter::status() const {
  escpos::PrinterStatus s;
  if (paper_out_) s = escpos::status_paper_out();
  if (cover_open_) {
    s.online = false;
    s.cover_open = true;
  }
  if (paper_near_end_) s.paper_near_end = true;
  return s;
}

bool SimulatedPrinter::can_print() const { return !paper_out_ && !cover_open_ && !unresponsive_; }

Received SimulatedPrinter::receive(Session& session, std::span<const std::uint8_t> bytes) {
  Received out;
  session.pending.insert(session.pending.end(), bytes.begin(), bytes.end());
  const std::span<const std::uint8_t> input(session.pending);
  std::size_t offset = 0;
  for (;;) {
    const auto r = escpos::scan(input, offset);
    if (r.status != ScanStatus::complete) break;
    const auto command = input.subspan(offset, r.command.length);
    offset += r.command.length;

    if (r.command.kind == CommandKind::realtime && command[1] == escpos::kEot) {
      // Real-time status is answered on receipt, before anything queued is printed.
      const int n = command[2];
      if (unresponsive_ || n < 1 || n > 4) continue;
      const auto s = escpos::encode_status(status());
      const std::uint8_t reply[] = {s.printer, s.offline_cause, s.error_cause, s.paper};
      out.replies.push_back(reply[n - 1]);
      ++status_replies_;
      continue;
    }
    if (!can_print()) {
      bytes_lost_ += command.size();
      continue;
    }
    session.job.insert(session.job.end(), command.begin(), command.end());
    if (is_cut(command)) {
      out.jobs.push_back(std::move(session.job));
      session.job.clear();
      ++jobs_printed_;
    }
  }
  session.pending.erase(session.pending.begin(), session.pending.begin() + static_cast<std::ptrdiff_t>(offset));
  return out;
}

std::vector<Bytes> SimulatedPrinter::end_session(Session& session) {
  std::vector<Bytes> jobs;
  if (!session.pending.empty()) {
    // A command cut short by the closing connection: printed as far as it goes, like a printer
    // that got half a job; the interpreter reports the truncation.
    if (can_print()) {
      session.job.insert(session.job.end(), session.pending.begin(), session.pending.end());
    } else {
      bytes_lost_ += session.pending.size();
    }
    session.pending.clear();
  }
  if (!session.job.empty()) {
    jobs.push_back(std::move(session.job));
    ++jobs_printed_;
  }
  session.job.clear();
  return jobs;
}

}  // namespace guichet::hardware::printer_sim
