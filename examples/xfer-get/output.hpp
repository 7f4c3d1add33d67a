// examples/xfer-get/output.hpp - where bytes go: a file opened on use, stdout, memory, nowhere.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace xfer_get {

/// One destination for bytes. A file is opened (truncated) only when the first bytes arrive,
/// or by finish(), so a transfer that fails before its body leaves no file behind.
class output {
public:
  static output discard() { return output(kind::discard); }
  static output to_stdout() { return output(kind::stdout_direct); }
  /// Kept in memory for stdout, written later by the caller (parallel transfers).
  static output to_memory() { return output(kind::memory); }
  /// A file, created or truncated at the first byte, or appended to (-C).
  static output to_file(std::filesystem::path path, bool append = false) {
    output o(kind::file);
    o.path_ = std::move(path);
    o.append_ = append;
    return o;
  }

  bool is_file() const noexcept { return kind_ == kind::file; }
  const std::filesystem::path& path() const noexcept { return path_; }

  /// Appends `data`; false when that failed (error() says why).
  bool write(std::string_view data) {
    switch (kind_) {
    case kind::discard:
      return true;
    case kind::memory:
      memory_.append(data);
      return true;
    case kind::stdout_direct:
      if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size())
        return write_failed();
      return true;
    case kind::file:
      if (!file_ && !open())
        return false;
      if (std::fwrite(data.data(), 1, data.size(), file_.get()) != data.size())
        return write_failed();
      return true;
    }
    return true;
  }

  /// Ends the output. With `create_empty`, a file that received nothing is created empty now
  /// (an empty body still makes a file, as with curl). False when closing or creating failed.
  bool finish(bool create_empty) {
    if (kind_ == kind::stdout_direct && std::fflush(stdout) != 0)
      return write_failed();
    if (kind_ != kind::file)
      return true;
    if (!file_ && create_empty && !open())
      return false;
    if (file_ && std::fclose(file_.release()) != 0)
      return write_failed();
    return true;
  }

  /// The bytes held by a memory output.
  std::string& held() noexcept { return memory_; }
  const std::string& error() const noexcept { return error_; }

private:
  enum class kind { discard, stdout_direct, memory, file };

  struct file_closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };

  explicit output(kind k) : kind_(k) {}

  bool open() {
    file_.reset(std::fopen(path_.c_str(), append_ ? "ab" : "wb"));
    if (!file_)
      return failed("Failed to open the file " + path_.string() + ": " + std::strerror(errno));
    return true;
  }

  bool write_failed() {
    return failed("Failure writing output to destination: " + std::string(std::strerror(errno)));
  }

  bool failed(std::string why) {
    error_ = std::move(why);
    return false;
  }

  kind kind_;
  bool append_ = false;
  std::filesystem::path path_;
  std::unique_ptr<std::FILE, file_closer> file_;
  std::string memory_;
  std::string error_;
};

} // namespace xfer_get
