// guichet-fault-proxy: the loopback fault proxy as a program, for runs driven from outside a
// test process. It listens on 127.0.0.1, forwards to one upstream, and takes line commands on a
// control port (docs/testing.md). Stops on SIGTERM or SIGINT.
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "guichet/fault/fault_proxy.hpp"

namespace {

int usage(const std::string& problem) {
  std::cerr << "guichet-fault-proxy: " << problem << "\n"
            << "usage: guichet-fault-proxy --upstream PORT [--listen PORT] [--control PORT] [--seed N]\n"
            << "                           [--port-file FILE]\n"
            << "  listens on 127.0.0.1:PORT (0 = any), forwards to 127.0.0.1:UPSTREAM, takes commands on\n"
            << "  127.0.0.1:CONTROL; --port-file gets \"LISTEN CONTROL\" once both listen.\n";
  return 2;
}

bool parse_port(const std::string& text, std::uint16_t& port) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < 0 || v > 65535) return false;
  port = static_cast<std::uint16_t>(v);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  guichet::fault::ProxyOptions options;
  options.control = true;
  std::string port_file;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return usage("missing value after " + arg);
    std::string value = argv[++i];
    if (arg == "--upstream") {
      if (!parse_port(value, options.upstream_port) || options.upstream_port == 0) return usage("bad --upstream");
    } else if (arg == "--listen") {
      if (!parse_port(value, options.listen_port)) return usage("bad --listen");
    } else if (arg == "--control") {
      if (!parse_port(value, options.control_port)) return usage("bad --control");
    } else if (arg == "--seed") {
      options.seed = std::strtoull(value.c_str(), nullptr, 10);
    } else if (arg == "--port-file") {
      port_file = value;
    } else {
      return usage("unknown option " + arg);
    }
  }
  if (options.upstream_port == 0) return usage("--upstream is required");

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before the proxy's thread starts

  guichet::fault::FaultProxy proxy(options);
  std::cout << "listening 127.0.0.1:" << proxy.port() << " control 127.0.0.1:" << proxy.control_port()
            << " upstream 127.0.0.1:" << options.upstream_port << std::endl;
  if (!port_file.empty()) {
    std::string tmp = port_file + ".tmp";
    {
      std::ofstream out(tmp);
      out << proxy.port() << " " << proxy.control_port() << "\n";
    }
    std::rename(tmp.c_str(), port_file.c_str());
  }
  int sig = 0;
  sigwait(&signals, &sig);
  return 0;
}
