// A test fixture that runs Debian's python3-httpbin under gunicorn on 127.0.0.1, one server per test
// process, started on first use and stopped at exit.
//
// The port cannot race: the fixture binds a socket to 127.0.0.1:0 itself, reads the port, and hands
// the bound socket to gunicorn (`--bind fd://3`), which listens on it. Until gunicorn listens,
// connections are refused; the server counts as ready once a plain HTTP request to /status/204 is
// answered. Startup is bounded (startup_timeout); when gunicorn exits or does not answer in time,
// the constructor throws with gunicorn's log.
//
// gunicorn runs Debian's /usr/bin/python3 (its script says so; another python3 first on PATH may
// not see httpbin), with one gthread worker (keep-alive, 4 threads), in its own process group with
// PR_SET_PDEATHSIG, from a temporary directory that holds its log (so no gunicorn.conf.py of the
// current directory is read). The environment is passed on without PYTHON* and GUNICORN_CMD_ARGS.
//
// Stopping sends SIGINT (gunicorn's quick shutdown), waits up to 5 s, then SIGKILLs the process group
// and reaps the master.
#pragma once

#include "spawn_child.hpp"
#include "temp_dir.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace xfer::test {

namespace detail::httpbin {

inline const char* gunicorn() {
#ifdef XFER_GUNICORN_PATH
  return XFER_GUNICORN_PATH;
#else
  return "/usr/bin/gunicorn";
#endif
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

/// A socket bound (not listening) to 127.0.0.1 on a port the kernel chose.
inline int bind_ephemeral(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), "httpbin_server: socket");
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(), "httpbin_server: bind 127.0.0.1:0");
  }
  port = ntohs(addr.sin_port);
  return fd;
}

/// Whether GET /status/204 on 127.0.0.1:port is answered with a 204 within `wait`.
inline bool answers(std::uint16_t port, std::chrono::milliseconds wait) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  const sockaddr_in addr = loopback(port);
  bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  static constexpr std::string_view request =
      "GET /status/204 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  ok = ok && ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size());
  std::string reply;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (ok && reply.size() < 12) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      break;
    char buf[64];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      break;
    reply.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return reply.rfind("HTTP/1.1 204", 0) == 0;
}

} // namespace detail::httpbin

/// httpbin under gunicorn on 127.0.0.1; see the file comment. Most tests use the shared
/// instance from httpbin().
class httpbin_server {
 public:
  explicit httpbin_server(std::chrono::milliseconds startup_timeout = std::chrono::seconds(60)) {
    if (!available())
      throw std::runtime_error(std::string("httpbin_server: no executable gunicorn at ") +
                               detail::httpbin::gunicorn() + " (install python3-httpbin and gunicorn)");
    start(startup_timeout);
  }
  ~httpbin_server() { stop(); }

  httpbin_server(const httpbin_server&) = delete;
  httpbin_server& operator=(const httpbin_server&) = delete;

  std::uint16_t port() const noexcept { return port_; }

  /// "http://127.0.0.1:PORT" + path.
  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  /// gunicorn's log (startup, errors, Python tracebacks).
  std::string logs() const { return detail::httpbin::read_file(dir_ / "gunicorn.log"); }

  /// The gunicorn master's process id (-1 once stopped).
  pid_t pid() const noexcept { return pid_; }

  /// Whether the gunicorn script exists and is executable.
  static bool available() { return ::access(detail::httpbin::gunicorn(), X_OK) == 0; }

  /// Stops gunicorn now (also done by the destructor).
  void stop() noexcept {
    if (pid_ <= 0)
      return;
    ::kill(pid_, SIGINT);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!master_exited() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ::kill(-pid_, SIGKILL); // workers normally exit first; this catches strays (and a stuck master)
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

 private:
  /// Whether the master has exited, without reaping it (its pid, also its process group id, stays
  /// reserved until then).
  bool master_exited() const {
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_;
  }

  void start(std::chrono::milliseconds startup_timeout) {
    constexpr int inherited_fd = 3;
    const int listen_fd = detail::httpbin::bind_ephemeral(port_);

    const std::string dir = dir_.path().string();
    const std::string log_path = (dir_ / "gunicorn.log").string();
    child_spec spec;
    spec.argv = {detail::httpbin::gunicorn(),
                 "--bind", "fd://" + std::to_string(inherited_fd),
                 "--workers", "1",
                 "--worker-class", "gthread",
                 "--threads", "4",
                 "--keep-alive", "5",
                 "--graceful-timeout", "2",
                 "--timeout", "120",
                 "--chdir", dir,
                 "--error-logfile", log_path,
                 "--log-level", "info",
                 "httpbin:app"};
    spec.hidden_env = {"PYTHON", "GUNICORN_CMD_ARGS="};
    spec.passed_fd = listen_fd; // the bound socket becomes fd 3 (inherited_fd)
    spec.working_directory = dir;
    spec.parent_death_signal = SIGINT;
    pid_t child = -1;
    int fork_error = 0;
    try {
      const server_stdio stdio(log_path, /*append=*/true, "httpbin_server");
      stdio.apply(spec);
      child = spawn_child(spec);
      fork_error = errno;
    } catch (...) {
      ::close(listen_fd);
      throw;
    }
    ::close(listen_fd); // gunicorn holds it now; the port stays bound to it
    if (child < 0)
      throw std::system_error(fork_error, std::generic_category(), "httpbin_server: fork");
    pid_ = child;

    const auto deadline = std::chrono::steady_clock::now() + startup_timeout;
    for (;;) {
      if (master_exited()) {
        stop();
        throw std::runtime_error("httpbin_server: gunicorn exited during startup\n" + logs());
      }
      if (detail::httpbin::answers(port_, std::chrono::milliseconds(2000)))
        return;
      if (std::chrono::steady_clock::now() >= deadline) {
        stop();
        throw std::runtime_error("httpbin_server: httpbin did not answer on 127.0.0.1:" + std::to_string(port_) +
                                 " within " + std::to_string(startup_timeout.count()) + " ms\n" + logs());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  temp_dir dir_{"xfer-httpbin-"};
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

/// The httpbin server shared by every test of this process: started on first use, stopped at exit.
inline httpbin_server& httpbin() {
  static httpbin_server server;
  return server;
}

} // namespace xfer::test
