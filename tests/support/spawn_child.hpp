// Starts a program as a child process for the test fixtures (nginx, httpbin, run_process): fork and
// execve with chosen standard descriptors, environment and working directory.
//
// Everything the child needs (argument and environment arrays) is prepared before fork(), so that
// only async-signal-safe calls follow it (the test process has threads). The child gets no
// descriptor beyond its standard ones (and the one it is handed, if any), an empty signal mask and
// SIGPIPE at its default. A server can run in its own process group, with PR_SET_PDEATHSIG so that
// it goes away if the thread that started it dies.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

extern "C" char** environ;

namespace xfer::test {

/// How spawn_child() starts a program.
struct child_spec {
  std::vector<std::string> argv;            ///< argv[0] is the program's path (no PATH search)
  std::vector<std::string> hidden_env;      ///< environment entries starting with one of these are not passed on
  int stdin_fd = -1;                        ///< becomes the child's 0
  int stdout_fd = -1;                       ///< becomes the child's 1
  int stderr_fd = -1;                       ///< becomes the child's 2
  int passed_fd = -1;                       ///< becomes the child's 3, inherited across exec; -1: none
  std::string working_directory;            ///< empty: the caller's
  int parent_death_signal = 0;              ///< nonzero: own process group, and this signal when the parent dies
};

/// Starts `spec` and returns the child's pid, or -1 with errno set when fork() failed. In the child,
/// a failed setup step exits with 126 and a failed execve with 127. The caller keeps its descriptors
/// (close them after the call).
inline pid_t spawn_child(const child_spec& spec) {
  std::vector<std::string> args = spec.argv;
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    bool hidden = false;
    for (const auto& prefix : spec.hidden_env)
      hidden = hidden || std::strncmp(*e, prefix.c_str(), prefix.size()) == 0;
    if (!hidden)
      envp.push_back(*e);
  }
  envp.push_back(nullptr);
  const int first_closed = spec.passed_fd >= 0 ? 4 : 3;
  const long max_fd_l = ::sysconf(_SC_OPEN_MAX);
  const int max_fd = max_fd_l > 0 && max_fd_l < 65536 ? static_cast<int>(max_fd_l) : 65536;
  sigset_t no_signals;
  sigemptyset(&no_signals);
  const pid_t parent = ::getpid();

  const pid_t child = ::fork();
  if (child != 0) {
    if (child > 0 && spec.parent_death_signal != 0)
      ::setpgid(child, child); // also in the parent, so that kill(-pid) works at once
    return child;
  }
  if (spec.parent_death_signal != 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, spec.parent_death_signal);
    if (::getppid() != parent)
      ::_exit(126); // the parent is already gone
  }
  ::sigprocmask(SIG_SETMASK, &no_signals, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
  if (!spec.working_directory.empty() && ::chdir(spec.working_directory.c_str()) != 0)
    ::_exit(126);
  if (::dup2(spec.stdin_fd, 0) < 0 || ::dup2(spec.stdout_fd, 1) < 0 || ::dup2(spec.stderr_fd, 2) < 0)
    ::_exit(126);
  if (spec.passed_fd >= 0) {
    // It becomes fd 3 without FD_CLOEXEC (dup2 clears it; fcntl when it is 3 already).
    if (spec.passed_fd == 3)
      ::fcntl(3, F_SETFD, 0);
    else if (::dup2(spec.passed_fd, 3) < 0)
      ::_exit(126);
  }
  // No inherited descriptors beyond those (Catch2's, the test's sockets...).
  if (::syscall(SYS_close_range, static_cast<unsigned>(first_closed), ~0U, 0U) != 0) {
    for (int fd = first_closed; fd < max_fd; ++fd)
      ::close(fd);
  }
  ::execve(argv[0], argv.data(), envp.data());
  ::_exit(127);
}

/// /dev/null for a server's stdin and its log file for stdout and stderr, closed with this object.
class server_stdio {
public:
  /// Opens the log at `log_path` (appending, or truncating it); throws std::system_error naming `who`.
  server_stdio(const std::string& log_path, bool append, std::string_view who)
      : log_fd(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644)),
        null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC)) {
    if (log_fd < 0 || null_fd < 0) {
      const int err = errno;
      close();
      throw std::system_error(err, std::generic_category(), std::string(who) + ": open");
    }
  }
  ~server_stdio() { close(); }
  server_stdio(const server_stdio&) = delete;
  server_stdio& operator=(const server_stdio&) = delete;

  /// The fields of a child_spec for these descriptors.
  void apply(child_spec& spec) const noexcept {
    spec.stdin_fd = null_fd;
    spec.stdout_fd = log_fd;
    spec.stderr_fd = log_fd;
  }

  void close() noexcept {
    if (log_fd >= 0)
      ::close(std::exchange(log_fd, -1));
    if (null_fd >= 0)
      ::close(std::exchange(null_fd, -1));
  }

  int log_fd;
  int null_fd;
};

} // namespace xfer::test
