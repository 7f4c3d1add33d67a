// A small RAII temporary directory for xfer's tests.
#pragma once

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <stdlib.h> // mkdtemp

namespace xfer::test {

/// Creates a fresh directory (mkdtemp) under $TMPDIR, or /tmp when TMPDIR is unset or empty,
/// and removes it recursively when destroyed.
class temp_dir {
 public:
  explicit temp_dir(std::string_view name_prefix = "xfer-test-") {
    const char* base = std::getenv("TMPDIR");
    const std::filesystem::path dir = (base != nullptr && *base != '\0') ? base : "/tmp";
    const std::string pattern = (dir / (std::string(name_prefix) + "XXXXXX")).string();
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "mkdtemp(" + pattern + ")");
    }
    path_ = buf.data();
  }

  ~temp_dir() { remove(); }

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  temp_dir(temp_dir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  temp_dir& operator=(temp_dir&& other) noexcept {
    if (this != &other) {
      remove();
      path_ = std::exchange(other.path_, {});
    }
    return *this;
  }

  /// The directory's absolute path (empty after remove() or a move).
  const std::filesystem::path& path() const noexcept { return path_; }

  std::filesystem::path operator/(const std::filesystem::path& relative) const {
    return path_ / relative;
  }

  /// Removes the directory and everything in it now; errors are ignored.
  void remove() noexcept {
    if (!path_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
      path_.clear();
    }
  }

 private:
  std::filesystem::path path_;
};

} // namespace xfer::test
