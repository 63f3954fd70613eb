// Issuing a token so that it is always delivered: check the printer, ask the server (through the
// outbox), print the slip, and when printing fails follow the policy: show the number on screen,
// or cancel the token on the server. Runs on a worker thread; the ports are the I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "guichet/domain/queue.hpp"
#include "model.hpp"

namespace guichet::kiosk {

struct PrinterCheck {
  bool ok = true;
  std::string message;  // for people: "Printer out of paper"
};

class PrinterPort {
 public:
  virtual ~PrinterPort() = default;
  virtual PrinterCheck status() = 0;
  // Sends the job; ok only when the printer confirmed it (or cannot report, for a file).
  virtual PrinterCheck print(const std::vector<std::uint8_t>& job) = 0;
};

struct IssuedToken {
  domain::Token token;
  domain::WaitEstimate wait;
  std::int64_t seq = 0;  // the request's outbox sequence
  // Issued from the kiosk's leased number block while the centre node was unreachable: the
  // server has not seen it yet, so there is no wait estimate.
  bool leased = false;
};

struct TokenRequest {
  enum class Kind { Issued, Refused, Unreachable };
  Kind kind = Kind::Unreachable;
  IssuedToken issued;
  std::string message;  // the server's message (refused) or what failed (unreachable)
};

struct CancelOutcome {
  bool confirmed = false;  // the server voided it; otherwise the cancellation is queued
  std::string message;
};

class TokenPort {
 public:
  virtual ~TokenPort() = default;
  virtual TokenRequest request(const std::string& service, const std::string& priority,
                               const std::string& language) = 0;
  virtual void delivered(const IssuedToken& token) = 0;
  virtual CancelOutcome cancel(const IssuedToken& token) = 0;
};

// Builds the slip's ESC/POS bytes for a token, or says why it cannot.
using SlipBuilder =
    std::function<std::optional<std::vector<std::uint8_t>>(const IssuedToken& token, std::string& problem)>;

struct IssueInput {
  std::string service, priority, language;
  PrinterPolicy policy = PrinterPolicy::Stop;
};

IssueResult issue_token(PrinterPort& printer, TokenPort& tokens, const SlipBuilder& slip, const IssueInput& in);

// "tcp:127.0.0.1:9100" or "file:/var/spool/slips.bin".
struct PrinterSpec {
  enum class Kind { Tcp, File };
  Kind kind = Kind::Tcp;
  std::string host;
  int port = 0;
  std::string path;
};
domain::Result<PrinterSpec, std::string> parse_printer_spec(const std::string& text);

}  // namespace guichet::kiosk
