#include "guichet/hardware/printer_sim/sim_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <list>
#include <mutex>
#include <system_error>
#include <thread>

#include "guichet/hardware/escpos_render/renderer.hpp"
#include "guichet/hardware/printer_sim/simulated_printer.hpp"

namespace guichet::hardware::printer_sim {

namespace {

constexpr std::size_t kMaxControlLine = 256;
constexpr const char* kCommands = "paper-out paper-near-end cover-open offline ok status jobs";

struct Connection {
  int fd = -1;
  bool control = false;
  Session session;   // print connections
  std::string line;  // control connections
};

Result<int> listen_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{ErrorKind::io, std::string("cannot create socket: ") + std::strerror(errno)};
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return Error{ErrorKind::io, "cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + why};
  }
  return fd;
}

std::uint16_t bound_port(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

// Writes to a temporary name and renames, so a reader polling for the file never sees it half
// written.
Error write_file_atomically(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  const auto tmp = std::filesystem::path(path.string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) return {ErrorKind::file, "cannot write " + tmp.string()};
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return {ErrorKind::file, "cannot rename " + tmp.string() + ": " + ec.message()};
  return {};
}

Error write_port_file(const std::filesystem::path& path, std::uint16_t port) {
  if (path.empty()) return {};
  const std::string text = std::to_string(port) + "\n";
  return write_file_atomically(path, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

void send_all(int fd, std::span<const std::uint8_t> bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the peer went away; its close is seen by the next poll
    sent += static_cast<std::size_t>(n);
  }
}

std::string job_name(std::size_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "job-%04zu", n);
  return buf;
}

}  // namespace

struct SimServer::Impl {
  SimOptions options;
  int print_fd = -1;
  int control_fd = -1;
  std::uint16_t port = 0;
  std::optional<std::uint16_t> control_port;
  SimulatedPrinter printer;
  std::optional<escpos_render::Renderer> renderer;
  std::list<Connection> connections;
  std::size_t jobs_finished = 0;

  // Rendering and writing a job takes tens of milliseconds; a printer answers real-time status
  // at once, so finished jobs go to a worker and the network loop stays responsive.
  std::mutex queue_mutex;
  std::condition_variable queue_cv;
  std::deque<std::pair<std::string, Bytes>> queue;
  bool draining = false;

  ~Impl() {
    for (auto& c : connections) ::close(c.fd);
    if (print_fd >= 0) ::close(print_fd);
    if (control_fd >= 0) ::close(control_fd);
  }

  void finish_job(Bytes job) {
    std::string name = job_name(++jobs_finished);
    {
      std::lock_guard lock(queue_mutex);
      queue.emplace_back(std::move(name), std::move(job));
    }
    queue_cv.notify_one();
  }

  void write_jobs() {
    for (;;) {
      std::pair<std::string, Bytes> next;
      {
        std::unique_lock lock(queue_mutex);
        queue_cv.wait(lock, [&] { return draining || !queue.empty(); });
        if (queue.empty()) return;
        next = std::move(queue.front());
        queue.pop_front();
      }
      write_job(next.first, next.second);
    }
  }

  void write_job(const std::string& name, const Bytes& job) {
    const auto bin = options.out_dir / (name + ".bin");
    if (auto err = write_file_atomically(bin, job)) {
      std::cerr << "guichet-printer-sim: " << err.message << "\n";
      return;
    }
    auto result = renderer->render(job);
    for (const auto& w : result.warnings) std::cerr << "guichet-printer-sim: " << name << ": warning: " << w << "\n";
    if (result.pages.empty()) {
      std::cerr << "guichet-printer-sim: " << name << ": " << job.size() << " bytes print nothing\n";
      return;
    }
    // A job ends at its first cut, so it has one page; a later page would be a second job's.
    const auto& page = result.pages.front();
    const auto png = options.out_dir / (name + ".png");
    const auto tmp = std::filesystem::path(png.string() + ".tmp");
    if (auto err = escpos_render::write_png(page, tmp)) {
      std::cerr << "guichet-printer-sim: " << err.message << "\n";
      return;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, png, ec);
    std::cerr << "guichet-printer-sim: " << name << ": " << job.size() << " bytes, " << page.width << "x" << page.height
              << " png\n";
  }

  void print_input(Connection& c, std::span<const std::uint8_t> bytes) {
    const std::size_t lost_before = printer.bytes_lost();
    auto received = printer.receive(c.session, bytes);
    if (!received.replies.empty()) send_all(c.fd, received.replies);
    for (auto& job : received.jobs) finish_job(std::move(job));
    if (printer.bytes_lost() > lost_before) {
      std::cerr << "guichet-printer-sim: not printing (" << printer.status().message()
                << (printer.responding() ? "" : ", not responding") << "): " << printer.bytes_lost() - lost_before
                << " bytes discarded\n";
    }
  }

  void close_connection(std::list<Connection>::iterator it) {
    if (!it->control) {
      for (auto& job : printer.end_session(it->session)) finish_job(std::move(job));
    }
    ::close(it->fd);
    connections.erase(it);
  }

  std::string status_line() const {
    const auto s = printer.status();
    return "online=" + std::to_string(s.online ? 1 : 0) + " paper_out=" + std::to_string(s.paper_out ? 1 : 0) +
           " paper_near_end=" + std::to_string(s.paper_near_end ? 1 : 0) +
           " cover_open=" + std::to_string(s.cover_open ? 1 : 0) +
           " responding=" + std::to_string(printer.responding() ? 1 : 0) + " jobs=" + std::to_string(jobs_finished) +
           " lost_bytes=" + std::to_string(printer.bytes_lost()) +
           " message=" + (printer.responding() ? s.message() : "Printer not responding");
  }

  std::string control(std::string line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    while (!line.empty() && line.front() == ' ') line.erase(0, 1);
    if (line == "paper-out") {
      printer.set_fault(Fault::paper_out);
    } else if (line == "paper-near-end") {
      printer.set_fault(Fault::paper_near_end);
    } else if (line == "cover-open") {
      printer.set_fault(Fault::cover_open);
    } else if (line == "offline") {
      printer.set_fault(Fault::unresponsive);
    } else if (line == "ok") {
      printer.clear_faults();
      std::cerr << "guichet-printer-sim: control: ok\n";
      return "ok";
    } else if (line == "status") {
      return status_line();
    } else if (line == "jobs") {
      return "jobs=" + std::to_string(jobs_finished) + " lost_bytes=" + std::to_string(printer.bytes_lost()) +
             " last=" + (jobs_finished ? job_name(jobs_finished) : std::string("none"));
    } else {
      return "error: unknown command '" + line + "'; commands: " + kCommands;
    }
    std::cerr << "guichet-printer-sim: control: " << line << "\n";
    return "ok " + line;
  }

  void control_input(Connection& c, std::span<const std::uint8_t> bytes, bool& close_it) {
    for (auto b : bytes) {
      if (b == '\n') {
        const std::string reply = control(c.line) + "\n";
        send_all(c.fd, std::span(reinterpret_cast<const std::uint8_t*>(reply.data()), reply.size()));
        c.line.clear();
        continue;
      }
      c.line.push_back(static_cast<char>(b));
      if (c.line.size() > kMaxControlLine) {
        const std::string reply = "error: line longer than " + std::to_string(kMaxControlLine) + " bytes\n";
        send_all(c.fd, std::span(reinterpret_cast<const std::uint8_t*>(reply.data()), reply.size()));
        close_it = true;
        return;
      }
    }
  }

  void accept_from(int listen_fd, bool is_control) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    Connection c;
    c.fd = fd;
    c.control = is_control;
    connections.push_back(std::move(c));
  }

  void run(const std::atomic<bool>& stop) {
    std::thread writer([this] { write_jobs(); });
    serve(stop);
    {
      std::lock_guard lock(queue_mutex);
      draining = true;
    }
    queue_cv.notify_one();
    writer.join();
  }

  void serve(const std::atomic<bool>& stop) {
    std::vector<std::uint8_t> buf(64 * 1024);
    while (!stop.load()) {
      std::vector<pollfd> fds;
      fds.push_back({print_fd, POLLIN, 0});
      if (control_fd >= 0) fds.push_back({control_fd, POLLIN, 0});
      const std::size_t first_conn = fds.size();
      std::vector<std::list<Connection>::iterator> order;
      for (auto it = connections.begin(); it != connections.end(); ++it) {
        fds.push_back({it->fd, POLLIN, 0});
        order.push_back(it);
      }
      int rc = ::poll(fds.data(), fds.size(), 200);
      if (rc < 0 && errno != EINTR) {
        std::cerr << "guichet-printer-sim: poll failed: " << std::strerror(errno) << "\n";
        break;
      }
      if (rc <= 0) continue;
      for (std::size_t i = 0; i < order.size(); ++i) {
        const auto& p = fds[first_conn + i];
        if ((p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        auto it = order[i];
        ssize_t n = ::recv(it->fd, buf.data(), buf.size(), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          close_connection(it);
          continue;
        }
        const std::span<const std::uint8_t> got(buf.data(), static_cast<std::size_t>(n));
        bool close_it = false;
        if (it->control) {
          control_input(*it, got, close_it);
        } else {
          print_input(*it, got);
        }
        if (close_it) close_connection(it);
      }
      if (fds[0].revents & POLLIN) accept_from(print_fd, false);
      if (control_fd >= 0 && (fds[1].revents & POLLIN)) accept_from(control_fd, true);
    }
    while (!connections.empty()) close_connection(connections.begin());
  }
};

SimServer::SimServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SimServer::~SimServer() = default;

Result<std::unique_ptr<SimServer>> SimServer::start(const SimOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec)
    return Error{ErrorKind::file, "cannot create output folder " + options.out_dir.string() + ": " + ec.message()};

  escpos_render::RenderOptions render_options;
  render_options.paper_width = options.paper_width;
  auto renderer = escpos_render::Renderer::create(render_options);
  if (!renderer.ok()) return renderer.error();
  impl->renderer.emplace(std::move(renderer.value()));

  auto print_fd = listen_loopback(options.port);
  if (!print_fd.ok()) return print_fd.error();
  impl->print_fd = print_fd.value();
  impl->port = bound_port(impl->print_fd);
  if (options.control_port) {
    auto control_fd = listen_loopback(*options.control_port);
    if (!control_fd.ok()) return control_fd.error();
    impl->control_fd = control_fd.value();
    impl->control_port = bound_port(impl->control_fd);
  }
  // Port files last: whoever waits for them may connect at once.
  if (impl->control_port) {
    if (auto err = write_port_file(options.control_port_file, *impl->control_port)) return err;
  }
  if (auto err = write_port_file(options.port_file, impl->port)) return err;
  return std::unique_ptr<SimServer>(new SimServer(std::move(impl)));
}

std::uint16_t SimServer::port() const { return impl_->port; }
std::optional<std::uint16_t> SimServer::control_port() const { return impl_->control_port; }
void SimServer::run(const std::atomic<bool>& stop) { impl_->run(stop); }
std::string SimServer::control(const std::string& line) { return impl_->control(line); }

}  // namespace guichet::hardware::printer_sim
