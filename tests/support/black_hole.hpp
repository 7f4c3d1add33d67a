// A loopback address and port where TCP connects neither succeed nor fail: they hang.
//
// A listening socket with a backlog of zero that never accepts: once one connection fills its
// accept queue, the kernel drops further SYNs, so a client's connect waits (retransmitting its
// SYN) until its own timeout. Nothing leaves loopback. Works for 127.0.0.1 and ::1.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace xfer::test {

class black_hole {
public:
  /// A black hole on `address` ("127.0.0.1" or "::1") at `port` (0 = ephemeral). available()
  /// tells whether it could be set up (::1 may be missing, a fixed port may be taken).
  explicit black_hole(const std::string& address = "127.0.0.1", std::uint16_t port = 0) {
    v6_ = address.find(':') != std::string::npos;
    listener_ = make_socket();
    if (listener_ < 0)
      return;
    if (v6_) {
      const int on = 1;
      ::setsockopt(listener_, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    }
    sockaddr_storage where{};
    socklen_t size = 0;
    if (!fill(address, port, where, size) || ::bind(listener_, reinterpret_cast<sockaddr*>(&where), size) != 0 ||
        ::listen(listener_, 0) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&where), &size) != 0)
      return;
    port_ = ntohs(v6_ ? reinterpret_cast<sockaddr_in6&>(where).sin6_port
                      : reinterpret_cast<sockaddr_in&>(where).sin_port);
    // Fill the accept queue until a connect hangs.
    for (int i = 0; i < 16; ++i) {
      const int fd = make_socket();
      if (fd < 0)
        return;
      ::connect(fd, reinterpret_cast<sockaddr*>(&where), size);
      pollfd p{fd, POLLOUT, 0};
      const bool connected = ::poll(&p, 1, 200) == 1 && connected_ok(fd);
      if (!connected) {
        ::close(fd); // this one hangs: so will the next
        available_ = true;
        return;
      }
      fillers_.push_back(fd);
    }
  }
  ~black_hole() {
    for (int fd : fillers_)
      ::close(fd);
    if (listener_ >= 0)
      ::close(listener_);
  }
  black_hole(const black_hole&) = delete;
  black_hole& operator=(const black_hole&) = delete;

  bool available() const noexcept { return available_; }
  std::uint16_t port() const noexcept { return port_; }

private:
  int make_socket() const { return ::socket(v6_ ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0); }

  bool fill(const std::string& address, std::uint16_t port, sockaddr_storage& where, socklen_t& size) const {
    if (v6_) {
      auto& a = reinterpret_cast<sockaddr_in6&>(where);
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(port);
      size = sizeof a;
      return ::inet_pton(AF_INET6, address.c_str(), &a.sin6_addr) == 1;
    }
    auto& a = reinterpret_cast<sockaddr_in&>(where);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    size = sizeof a;
    return ::inet_pton(AF_INET, address.c_str(), &a.sin_addr) == 1;
  }

  static bool connected_ok(int fd) {
    int error = 0;
    socklen_t size = sizeof error;
    return ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0 && error == 0;
  }

  bool v6_ = false;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  bool available_ = false;
  std::vector<int> fillers_;
};

} // namespace xfer::test
