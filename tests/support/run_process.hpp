// Runs a program as a child process and captures what it prints, for tests of xfer's command-line
// examples.
//
// The child gets its arguments as given (no shell), the caller's environment, optional bytes on
// its stdin (else /dev/null) and an optional working directory. Its stdout and stderr are read
// through pipes until both close, with a deadline: a child still running then is killed (SIGKILL)
// and the result says it timed out. Everything the child needs is prepared before fork(), so that
// only async-signal-safe calls follow it (the test process has threads). Several processes can run
// at once from different threads, or with run_processes().
#pragma once

#include "spawn_child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <future>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace xfer::test {

/// How a child process is run.
struct process_options {
  std::string input;                                  ///< written to its stdin, then closed
  std::filesystem::path working_directory;            ///< empty: the caller's
  std::chrono::milliseconds timeout{std::chrono::seconds(15)}; ///< then SIGKILL
};

/// What a child process did.
struct process_result {
  int exit_code = -1;      ///< its exit status; 128 + N when signal N ended it
  std::string out;         ///< everything it wrote to stdout
  std::string err;         ///< everything it wrote to stderr
  bool timed_out = false;  ///< it was killed at the deadline
};

namespace detail::process {

struct pipe_pair {
  int read_end = -1;
  int write_end = -1;
  pipe_pair() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
      throw std::system_error(errno, std::generic_category(), "run_process: pipe2");
    read_end = fds[0];
    write_end = fds[1];
  }
  ~pipe_pair() {
    close_read();
    close_write();
  }
  pipe_pair(const pipe_pair&) = delete;
  pipe_pair& operator=(const pipe_pair&) = delete;
  void close_read() noexcept {
    if (read_end >= 0)
      ::close(std::exchange(read_end, -1));
  }
  void close_write() noexcept {
    if (write_end >= 0)
      ::close(std::exchange(write_end, -1));
  }
};

} // namespace detail::process

/// Runs `argv` (argv[0] is the program's path) and waits for it; see the file comment.
inline process_result run_process(const std::vector<std::string>& argv,
                                  const process_options& options = {}) {
  using detail::process::pipe_pair;
  if (argv.empty())
    throw std::invalid_argument("run_process: no program");
  child_spec spec;
  spec.argv = argv;
  spec.working_directory = options.working_directory.string();

  pipe_pair in, out, err;
  spec.stdin_fd = in.read_end;
  spec.stdout_fd = out.write_end;
  spec.stderr_fd = err.write_end;
  const pid_t child = spawn_child(spec);
  if (child < 0)
    throw std::system_error(errno, std::generic_category(), "run_process: fork");
  in.close_read();
  out.close_write();
  err.close_write();

  // stdin: the whole input is written before reading; tests give it small inputs (< a pipe's 64 KiB).
  std::size_t written = 0;
  while (written < options.input.size()) {
    const ssize_t n = ::write(in.write_end, options.input.data() + written, options.input.size() - written);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    written += static_cast<std::size_t>(n);
  }
  in.close_write();

  process_result result;
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  pollfd fds[2] = {{out.read_end, POLLIN, 0}, {err.read_end, POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_pipes = 2;
  while (open_pipes > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(child, SIGKILL);
      break;
    }
    const int ready = ::poll(fds, 2, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready < 0)
      break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0)
        continue;
      char buffer[16384];
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1; // poll ignores negative descriptors
        --open_pipes;
      }
    }
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

/// Runs every command line at the same time and returns their results in the same order.
inline std::vector<process_result> run_processes(const std::vector<std::vector<std::string>>& commands,
                                                 const process_options& options = {}) {
  std::vector<std::future<process_result>> running;
  for (const auto& command : commands)
    running.push_back(std::async(std::launch::async, [&command, &options] {
      return run_process(command, options);
    }));
  std::vector<process_result> results;
  for (auto& r : running)
    results.push_back(r.get());
  return results;
}

} // namespace xfer::test
