// A test fixture that runs a real nginx on 127.0.0.1 with its own temporary prefix.
//
// nginx cannot listen on port 0 and report the port, so the fixture picks one: it binds a socket
// to 127.0.0.1:0, reads the port, closes the socket and starts nginx on that port. When nginx
// cannot bind it (another process took the port meanwhile) or never gets ready, the fixture tries
// again with a new port, up to 5 times. nginx is ready once its pid file names the started
// process (nginx writes it after binding its listening sockets) and a TCP connect succeeds.
//
// nginx runs in the foreground (daemon off, master_process on, one worker) in its own process
// group, with PR_SET_PDEATHSIG = SIGTERM so that it goes away if the thread that started it dies.
// With options::tls it serves HTTPS (listen ... ssl) with the given certificate chain and key,
// optionally requiring client certificates (options::client_ca_file).
//
// The destructor sends SIGTERM (fast shutdown), waits up to 5 s, then SIGKILLs the whole process
// group, reaps the master and removes the prefix.
#pragma once

#include "spawn_child.hpp"
#include "temp_dir.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
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
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace xfer::test {

namespace detail::nginx {

inline const char* binary() {
#ifdef XFER_NGINX_PATH
  return XFER_NGINX_PATH;
#else
  return "/usr/sbin/nginx";
#endif
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_file(const std::filesystem::path& p, std::string_view content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) {
    throw std::runtime_error("nginx_server: cannot write " + p.string());
  }
}

inline sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

/// Binds 127.0.0.1:0, reads the port the kernel chose, closes the socket.
inline std::uint16_t pick_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(), "nginx_server: socket");
  }
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(), "nginx_server: bind 127.0.0.1:0");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// Whether a TCP connect to 127.0.0.1:port succeeds now.
inline bool can_connect(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  const sockaddr_in addr = loopback(port);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

/// Quotes a path for nginx's configuration language.
inline std::string quoted(const std::filesystem::path& p) {
  std::string out = "\"";
  for (const char c : p.string()) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  out += '"';
  return out;
}

} // namespace detail::nginx

/// What nginx_server configures (nginx_server::options). Defined outside the class so that its
/// default member initializers can be used in nginx_server's default argument.
struct nginx_options {
  std::string extra_http_config;   // appended inside http { }
  std::string extra_server_config; // appended inside server { }
  /// HTTPS: `listen ... ssl` with certificate_file (the chain to send, leaf first) and key_file;
  /// url() then says https://.
  bool tls = false;
  std::string certificate_file{};
  std::string key_file{};
  /// ssl_protocols (nginx 1.22's default leaves TLS 1.3 out).
  std::string tls_protocols = "TLSv1.2 TLSv1.3";
  /// When set (and tls): clients must present a certificate that verifies against this PEM file
  /// (ssl_verify_client on; ssl_client_certificate; ssl_verify_depth 3).
  std::string client_ca_file{};
};

/// A real nginx serving static files from a temporary document root; see the file comment.
class nginx_server {
 public:
  using options = nginx_options;

  explicit nginx_server(options o = {}) : options_(std::move(o)) {
    namespace fs = std::filesystem;
    for (const char* dir : {"conf", "html", "logs", "temp/client_body", "temp/proxy",
                            "temp/fastcgi", "temp/uwsgi", "temp/scgi"}) {
      fs::create_directories(prefix_ / dir);
    }
    if (!available()) {
      throw std::runtime_error(std::string("nginx_server: no executable nginx at ") +
                               detail::nginx::binary());
    }
    std::string failures;
    for (int attempt = 1; attempt <= max_attempts; ++attempt) {
      port_ = detail::nginx::pick_port();
      const start_result r = start();
      if (r == start_result::started) {
        return;
      }
      failures += "attempt " + std::to_string(attempt) + " (port " + std::to_string(port_) +
                  "):\n" + logs() + "\n";
      if (r == start_result::failed) {
        break; // not a port problem: trying again will not help
      }
    }
    throw std::runtime_error("nginx_server: nginx did not start\n" + failures);
  }

  ~nginx_server() { stop(); }

  nginx_server(const nginx_server&) = delete;
  nginx_server& operator=(const nginx_server&) = delete;

  std::uint16_t port() const noexcept { return port_; }

  /// "http://127.0.0.1:PORT" + path ("https://..." with options::tls).
  std::string url(std::string_view path = "/") const { return url_for_host("127.0.0.1", path); }

  /// "http(s)://HOST:PORT" + path, e.g. url_for_host("localhost") for a name-based TLS check.
  std::string url_for_host(std::string_view host, std::string_view path = "/") const {
    return std::string(options_.tls ? "https://" : "http://") + std::string(host) + ":" +
           std::to_string(port_) + std::string(path);
  }

  /// The document root; files written there are served.
  std::filesystem::path root() const { return prefix_ / "html"; }

  /// The temporary prefix (conf/, html/, logs/, temp/); removed by the destructor.
  std::filesystem::path prefix() const { return prefix_.path(); }

  /// The nginx master's process id (-1 once stopped).
  pid_t pid() const noexcept { return pid_; }

  /// Writes a file under root(), creating parent directories.
  void write_file(std::string_view relative_path, std::string_view content) {
    std::filesystem::path rel(relative_path);
    rel = rel.relative_path(); // "/a/b" means root()/a/b
    const std::filesystem::path p = root() / rel;
    std::filesystem::create_directories(p.parent_path());
    detail::nginx::write_file(p, content);
  }

  /// The content of logs/error.log (and of nginx's redirected stdout/stderr).
  std::string logs() const {
    return detail::nginx::read_file(prefix_ / "logs/error.log") +
           detail::nginx::read_file(prefix_ / "logs/stderr.log");
  }

  /// Whether the nginx binary exists and is executable.
  static bool available() {
    const char* path = detail::nginx::binary();
    return path != nullptr && *path == '/' && ::access(path, X_OK) == 0;
  }

  /// Stops nginx now (also done by the destructor): SIGTERM, wait up to 5 s, then SIGKILL to
  /// nginx's process group, then reap the master.
  void stop() noexcept {
    if (pid_ <= 0) {
      return;
    }
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    bool exited = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (master_exited()) {
        exited = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!exited) {
      ::kill(pid_, SIGKILL);
    }
    kill_group_and_reap();
  }

 private:
  static constexpr int max_attempts = 5;

  /// Whether the master has exited (without reaping it: as a zombie it keeps its pid, which is
  /// also its process group id, from being reused).
  bool master_exited() const {
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == pid_;
  }

  /// SIGKILLs what is left of nginx's process group (workers normally exit before the master;
  /// this catches strays), then reaps the master.
  void kill_group_and_reap() noexcept {
    ::kill(-pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

  enum class start_result { started, port_problem, failed };

  std::string config() const {
    using detail::nginx::quoted;
    const auto p = prefix_.path();
    std::ostringstream c;
    if (::geteuid() == 0) {
      c << "user root;\n"; // workers must read files in the (0700) prefix
    }
    c << "worker_processes 1;\n"
      << "error_log " << quoted(p / "logs/error.log") << " notice;\n"
      << "pid " << quoted(p / "logs/nginx.pid") << ";\n"
      << "events {\n  worker_connections 1024;\n}\n"
      << "http {\n"
      << "  access_log off;\n"
      << "  client_body_temp_path " << quoted(p / "temp/client_body") << ";\n"
      << "  proxy_temp_path " << quoted(p / "temp/proxy") << ";\n"
      << "  fastcgi_temp_path " << quoted(p / "temp/fastcgi") << ";\n"
      << "  uwsgi_temp_path " << quoted(p / "temp/uwsgi") << ";\n"
      << "  scgi_temp_path " << quoted(p / "temp/scgi") << ";\n"
      << "  types {\n"
      << "    text/html html htm;\n    text/plain txt;\n    application/json json;\n"
      << "  }\n"
      << "  default_type application/octet-stream;\n"
      << "  sendfile on;\n"
      << "  keepalive_requests 1000000;\n"
      << "  keepalive_timeout 60s;\n"
      << options_.extra_http_config << "\n"
      << "  server {\n"
      << "    listen 127.0.0.1:" << port_ << (options_.tls ? " ssl" : "") << ";\n"
      << "    server_name localhost;\n"
      << "    root " << quoted(p / "html") << ";\n";
    if (options_.tls) {
      c << "    ssl_certificate " << quoted(options_.certificate_file) << ";\n"
        << "    ssl_certificate_key " << quoted(options_.key_file) << ";\n"
        << "    ssl_protocols " << options_.tls_protocols << ";\n";
      if (!options_.client_ca_file.empty()) {
        c << "    ssl_verify_client on;\n"
          << "    ssl_client_certificate " << quoted(options_.client_ca_file) << ";\n"
          << "    ssl_verify_depth 3;\n";
      }
    }
    c << "    location = /status/404 { return 404 \"nope\"; }\n"
      << options_.extra_server_config << "\n"
      << "  }\n"
      << "}\n";
    return c.str();
  }

  start_result start() {
    namespace fs = std::filesystem;
    const fs::path p = prefix_.path();
    std::error_code ec;
    fs::remove(p / "logs/nginx.pid", ec);
    fs::remove(p / "logs/error.log", ec);
    detail::nginx::write_file(p / "conf/nginx.conf", config());

    const std::string prefix_arg = p.string() + "/";
    const std::string conf_arg = (p / "conf/nginx.conf").string();
    const std::string error_arg = (p / "logs/error.log").string();
    child_spec spec;
    spec.argv = {detail::nginx::binary(), "-p", prefix_arg, "-c", conf_arg, "-e", error_arg,
                 "-g", "daemon off; master_process on;"};
    spec.hidden_env = {"NGINX="}; // nginx takes listening sockets from $NGINX ("inherited sockets")
    spec.parent_death_signal = SIGTERM;
    server_stdio stdio((p / "logs/stderr.log").string(), /*append=*/false, "nginx_server");
    stdio.apply(spec);
    const pid_t child = spawn_child(spec);
    const int fork_error = errno;
    stdio.close();
    if (child < 0) {
      throw std::system_error(fork_error, std::generic_category(), "nginx_server: fork");
    }
    pid_ = child;

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
      if (master_exited()) {
        kill_group_and_reap();
        const std::string log = logs();
        const bool port_problem = log.find("Address already in use") != std::string::npos ||
                                  log.find("bind()") != std::string::npos;
        return port_problem ? start_result::port_problem : start_result::failed;
      }
      if (pid_file_names_child() && detail::nginx::can_connect(port_)) {
        return start_result::started;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        stop();
        return start_result::port_problem;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  bool pid_file_names_child() const {
    const std::string text = detail::nginx::read_file(prefix_ / "logs/nginx.pid");
    try {
      return !text.empty() && std::stol(text) == static_cast<long>(pid_);
    } catch (const std::exception&) {
      return false;
    }
  }

  options options_;
  temp_dir prefix_{"xfer-nginx-"};
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

} // namespace xfer::test
