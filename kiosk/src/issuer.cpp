#include "issuer.hpp"

#include <charconv>

namespace guichet::kiosk {

IssueResult issue_token(PrinterPort& printer, TokenPort& tokens, const SlipBuilder& slip, const IssueInput& in) {
  IssueResult out;
  // 1. The printer first: under the stop policy a token is only issued when it can come out.
  PrinterCheck before = printer.status();
  if (!before.ok && in.policy == PrinterPolicy::Stop) {
    out.kind = IssueResult::Kind::PrinterFault;
    out.detail = before.message;
    return out;
  }

  // 2. The server assigns the token (the request is durable in the outbox first).
  TokenRequest req = tokens.request(in.service, in.priority, in.language);
  if (req.kind == TokenRequest::Kind::Refused) {
    out.kind = IssueResult::Kind::Refused;
    out.detail = req.message;
    return out;
  }
  if (req.kind == TokenRequest::Kind::Unreachable) {
    out.kind = IssueResult::Kind::Unreachable;
    out.detail = req.message;
    return out;
  }
  const IssuedToken& t = req.issued;
  out.token_id = t.token.id;
  out.display_number = t.token.display_number();
  out.ahead = t.leased ? -1 : t.wait.ahead;  // -1: not known (issued from the leased block, node down)
  out.minutes = t.wait.minutes;

  // 3. Print, unless the printer already said it cannot (screen policy).
  std::string problem = before.message;
  bool printed = false;
  if (before.ok) {
    auto bytes = slip(t, problem);
    if (bytes) {
      PrinterCheck p = printer.print(*bytes);
      printed = p.ok;
      if (!p.ok) problem = p.message;
    }
  }
  if (printed) {
    tokens.delivered(t);
    out.kind = IssueResult::Kind::Printed;
    return out;
  }

  // 4. Not printed: never leave a counted token that nobody holds.
  out.detail = problem;
  if (in.policy == PrinterPolicy::Screen) {
    tokens.delivered(t);
    out.kind = IssueResult::Kind::OnScreen;
    return out;
  }
  tokens.cancel(t);
  out.kind = IssueResult::Kind::PrintFailed;
  return out;
}

domain::Result<PrinterSpec, std::string> parse_printer_spec(const std::string& text) {
  PrinterSpec spec;
  if (text.starts_with("file:")) {
    spec.kind = PrinterSpec::Kind::File;
    spec.path = text.substr(5);
    if (spec.path.empty()) return std::string("--printer " + text + ": the file path is missing (file:PATH)");
    return spec;
  }
  if (text.starts_with("tcp:")) {
    std::string rest = text.substr(4);
    auto colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      return std::string("--printer " + text + ": expected tcp:HOST:PORT, e.g. tcp:127.0.0.1:9100");
    }
    spec.kind = PrinterSpec::Kind::Tcp;
    spec.host = rest.substr(0, colon);
    std::string port = rest.substr(colon + 1);
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), spec.port);
    if (ec != std::errc() || p != port.data() + port.size() || spec.port < 1 || spec.port > 65535) {
      return std::string("--printer " + text + ": port '" + port + "' is not a number from 1 to 65535");
    }
    return spec;
  }
  return std::string("--printer " + text + ": expected tcp:HOST:PORT or file:PATH");
}

}  // namespace guichet::kiosk
