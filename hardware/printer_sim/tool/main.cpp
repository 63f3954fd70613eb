// guichet-printer-sim: a network receipt printer on 127.0.0.1 for tests and the demo.
//   guichet-printer-sim --port 0 --port-file print.port --control-port-file control.port
//       --out receipts/
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "guichet/hardware/printer_sim/sim_server.hpp"

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) { g_stop.store(true); }

}  // namespace

int main(int argc, char** argv) {
  namespace sim = guichet::hardware::printer_sim;
  CLI::App app{"Receipt printer simulator: ESC/POS over raw TCP on 127.0.0.1, jobs rendered to PNG"};
  sim::SimOptions options;
  int port = 9100;
  int control_port = -1;
  std::string port_file;
  std::string control_port_file;
  std::string out_dir = options.out_dir.string();
  app.add_option("--port", port, "print port (raw TCP); 0 picks a free port")->check(CLI::Range(0, 65535));
  app.add_option("--port-file", port_file, "write the print port number to this file once listening");
  app.add_option("--control-port", control_port,
                 "control port (line protocol: paper-out, paper-near-end, cover-open, offline, ok, status, jobs); "
                 "0 picks a free port")
      ->check(CLI::Range(0, 65535));
  app.add_option("--control-port-file", control_port_file,
                 "write the control port number to this file (implies --control-port 0 when that is not given)");
  app.add_option("--out", out_dir, "folder for job-NNNN.bin and job-NNNN.png")->capture_default_str();
  app.add_option("--paper-width", options.paper_width, "printable width in dots: 576 (80 mm) or 384 (58 mm)")
      ->check(CLI::Range(8, 4096))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  options.port = static_cast<std::uint16_t>(port);
  options.port_file = port_file;
  options.out_dir = out_dir;
  if (control_port >= 0) {
    options.control_port = static_cast<std::uint16_t>(control_port);
  } else if (!control_port_file.empty()) {
    options.control_port = 0;
  }
  options.control_port_file = control_port_file;

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto server = sim::SimServer::start(options);
  if (!server.ok()) {
    std::cerr << "guichet-printer-sim: " << server.error().message << "\n";
    return 1;
  }
  std::cerr << "guichet-printer-sim: printing on 127.0.0.1:" << server.value()->port();
  if (auto cp = server.value()->control_port()) std::cerr << ", control on 127.0.0.1:" << *cp;
  std::cerr << ", jobs to " << options.out_dir.string() << "\n";
  server.value()->run(g_stop);
  std::cerr << "guichet-printer-sim: stopped\n";
  return 0;
}
