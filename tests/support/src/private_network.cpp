#include "guichet/testing/private_network.hpp"

#include <net/if.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace guichet::testing {

namespace {

constexpr const char* kTable = "guichet_test_cut";

void loopback_up() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("a socket to bring the loopback up: ") + std::strerror(errno));
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  int rc = ::ioctl(fd, SIOCGIFFLAGS, &ifr);
  if (rc == 0) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    rc = ::ioctl(fd, SIOCSIFFLAGS, &ifr);
  }
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw std::runtime_error(std::string("bringing the private loopback up: ") + std::strerror(err));
}

}  // namespace

PrivateNetwork::PrivateNetwork() {
  if (::unshare(CLONE_NEWNET) != 0) {
    throw std::runtime_error(std::string("no private network namespace for this test (it needs root): ") +
                             std::strerror(errno));
  }
  loopback_up();
  ctx_ = nft_ctx_new(NFT_CTX_DEFAULT);
  if (!ctx_) throw std::runtime_error("nftables: no context");
  nft_ctx_buffer_output(ctx_);
  nft_ctx_buffer_error(ctx_);
}

PrivateNetwork::~PrivateNetwork() {
  std::lock_guard lock(mu_);
  if (!ctx_) return;
  if (table_) nft_run_cmd_from_buffer(ctx_, (std::string("delete table inet ") + kTable).c_str());
  nft_ctx_free(ctx_);
}

void PrivateNetwork::run(const std::string& commands) const {
  if (nft_run_cmd_from_buffer(ctx_, commands.c_str()) != 0) {
    throw std::runtime_error("nftables refused \"" + commands + "\": " + nft_ctx_get_error_buffer(ctx_));
  }
}

std::vector<std::uint16_t> PrivateNetwork::connected_ports(std::uint16_t port) {
  // "  sl  local_address rem_address   st …" then "   0: 0100007F:A1B2 0100007F:1F90 01 …"
  std::ifstream in("/proc/net/tcp");
  if (!in) throw std::runtime_error("cannot read /proc/net/tcp");
  std::string line;
  std::getline(in, line);
  std::vector<std::uint16_t> out;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    if (state != "01") continue;  // TCP_ESTABLISHED
    const auto colon_l = local.find(':');
    const auto colon_r = remote.find(':');
    if (colon_l == std::string::npos || colon_r == std::string::npos) continue;
    if (remote.substr(0, colon_r) != "0100007F") continue;  // 127.0.0.1, little-endian
    if (std::stoul(remote.substr(colon_r + 1), nullptr, 16) != port) continue;
    out.push_back(static_cast<std::uint16_t>(std::stoul(local.substr(colon_l + 1), nullptr, 16)));
  }
  return out;
}

void PrivateNetwork::cut(std::uint16_t port, const std::vector<std::uint16_t>& peers) {
  if (peers.empty()) return;
  std::string set;
  for (const auto p : peers) set += (set.empty() ? "" : ", ") + std::to_string(p);
  const std::string rule = std::string("add rule inet ") + kTable + " input ";
  const std::string here = std::to_string(port);
  std::lock_guard lock(mu_);
  std::string commands;
  if (!table_) {
    commands += std::string("add table inet ") + kTable + "\n";
    commands += std::string("add chain inet ") + kTable + " input { type filter hook input priority 0; }\n";
  }
  commands += rule + "tcp sport " + here + " tcp dport { " + set + " } counter drop\n";
  commands += rule + "tcp sport { " + set + " } tcp dport " + here + " counter drop\n";
  run(commands);
  table_ = true;
}

std::vector<std::uint16_t> PrivateNetwork::cut_connections_to(std::uint16_t port) {
  const auto ports = connected_ports(port);
  if (ports.empty()) {
    throw std::runtime_error("no connection to 127.0.0.1:" + std::to_string(port) + " is established to cut");
  }
  cut(port, ports);
  return ports;
}

std::uint64_t PrivateNetwork::dropped() const {
  std::lock_guard lock(mu_);
  if (!table_) return 0;
  run(std::string("list table inet ") + kTable);
  const std::string rules = nft_ctx_get_output_buffer(ctx_);
  static const std::regex counter(R"(counter packets (\d+))");
  std::uint64_t total = 0;
  for (std::sregex_iterator it(rules.begin(), rules.end(), counter), end; it != end; ++it) {
    total += std::stoull((*it)[1].str());
  }
  return total;
}

}  // namespace guichet::testing
