#include "guichet/hardware/error.hpp"

namespace guichet::hardware {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::none:
      return "none";
    case ErrorKind::invalid_argument:
      return "invalid_argument";
    case ErrorKind::unsupported_text:
      return "unsupported_text";
    case ErrorKind::malformed_reply:
      return "malformed_reply";
    case ErrorKind::io:
      return "io";
    case ErrorKind::connect_failed:
      return "connect_failed";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::paper_out:
      return "paper_out";
    case ErrorKind::cover_open:
      return "cover_open";
    case ErrorKind::offline:
      return "offline";
    case ErrorKind::printer_error:
      return "printer_error";
    case ErrorKind::render:
      return "render";
    case ErrorKind::file:
      return "file";
  }
  return "unknown";
}

}  // namespace guichet::hardware
