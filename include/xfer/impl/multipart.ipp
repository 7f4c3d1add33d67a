// xfer/impl/multipart.ipp - multipart/form-data bodies: part headers, boundaries, and streaming files from disk.
#pragma once

#include <xfer/detail/percent_encoding.hpp>
#include <xfer/headers.hpp>
#include <xfer/multipart.hpp>

#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace xfer {
namespace detail::multipart {

/// RFC 2046 `bchars` (a space only inside the boundary, never last).
constexpr bool is_bchar(char c) noexcept {
  if (is_alpha(c) || is_digit(c))
    return true;
  switch (c) {
  case '\'': case '(': case ')': case '+': case '_': case ',': case '-':
  case '.': case '/': case ':': case '=': case '?': case ' ':
    return true;
  default:
    return false;
  }
}

/// RFC 9110 `tchar`: a boundary made only of these needs no quotes in Content-Type.
constexpr bool is_tchar(char c) noexcept {
  if (is_alpha(c) || is_digit(c))
    return true;
  switch (c) {
  case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
  case '-': case '.': case '^': case '_': case '`': case '|': case '~':
    return true;
  default:
    return false;
  }
}

/// Appends a name or file name with '"', CR and LF percent-encoded.
inline void append_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
    case '"': out += "%22"; break;
    case '\r': out += "%0D"; break;
    case '\n': out += "%0A"; break;
    default: out.push_back(c);
    }
  }
}

inline void check_no_nul(std::string_view text, const char* what) {
  if (text.find('\0') != std::string_view::npos)
    throw std::invalid_argument(std::string("xfer::multipart_form: NUL byte in a ") + what);
}

inline void check_content_type(std::string_view content_type) {
  for (const char c : content_type) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F)
      throw std::invalid_argument("xfer::multipart_form: control character in a content type");
  }
}

/// The content type curl guesses from a file name's extension, or application/octet-stream.
inline std::string_view guess_content_type(std::string_view filename) noexcept {
  struct entry {
    std::string_view extension;
    std::string_view type;
  };
  static constexpr std::array<entry, 10> table{{
      {".gif", "image/gif"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".png", "image/png"},
      {".svg", "image/svg+xml"},
      {".txt", "text/plain"},
      {".htm", "text/html"},
      {".html", "text/html"},
      {".pdf", "application/pdf"},
      {".xml", "application/xml"},
  }};
  for (const auto& e : table)
    if (filename.size() >= e.extension.size() &&
        iequals(filename.substr(filename.size() - e.extension.size()), e.extension))
      return e.type;
  return "application/octet-stream";
}

inline std::string describe_errno(int error) { return std::generic_category().message(error); }

/// Opens `path` read-only and checks that it is a regular file; returns the fd, or -1 with `why` set.
inline int open_regular_file(const std::filesystem::path& path, std::uint64_t& size, std::string& why) {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    why = "cannot open form file '" + path.string() + "': " + describe_errno(errno);
    return -1;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    why = "cannot stat form file '" + path.string() + "': " + describe_errno(errno);
    ::close(fd);
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    why = "form file '" + path.string() + "' is not a regular file, so its size cannot be known up front";
    ::close(fd);
    return -1;
  }
  size = static_cast<std::uint64_t>(st.st_size);
  return fd;
}

} // namespace detail::multipart

XFER_DECL multipart_form::multipart_form() {
  std::array<unsigned char, 16> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    ERR_clear_error();
    throw std::system_error(make_error_code(errc::failed_init),
                            "xfer::multipart_form: RAND_bytes could not make a boundary");
  }
  constexpr char digits[] = "0123456789abcdef";
  boundary_.assign(24, '-');
  for (const unsigned char b : random) {
    boundary_.push_back(digits[b >> 4]);
    boundary_.push_back(digits[b & 0x0F]);
  }
}

XFER_DECL multipart_form::multipart_form(std::string_view boundary) {
  if (boundary.empty() || boundary.size() > 70 || boundary.back() == ' ' ||
      !std::all_of(boundary.begin(), boundary.end(), detail::multipart::is_bchar))
    throw std::invalid_argument("xfer::multipart_form: a boundary is 1 to 70 RFC 2046 bchars, not ending in a space");
  boundary_ = boundary;
}

XFER_DECL void multipart_form::add_part(std::string_view name, std::optional<std::string_view> filename,
                                        std::string_view content_type, std::string data,
                                        const std::filesystem::path* file) {
  namespace mp = detail::multipart;
  mp::check_no_nul(name, "part name");
  if (filename)
    mp::check_no_nul(*filename, "file name");
  mp::check_content_type(content_type);
  auto part = std::make_shared<detail::multipart_part>();
  std::string& h = part->head;
  h.reserve(64 + boundary_.size() + name.size() + (filename ? filename->size() : 0) + content_type.size());
  h += "--";
  h += boundary_;
  h += "\r\nContent-Disposition: form-data; name=\"";
  mp::append_escaped(h, name);
  h += '"';
  if (filename) {
    h += "; filename=\"";
    mp::append_escaped(h, *filename);
    h += '"';
  }
  h += "\r\n";
  if (!content_type.empty()) {
    h += "Content-Type: ";
    h += content_type;
    h += "\r\n";
  }
  h += "\r\n";
  part->data = std::move(data);
  if (file != nullptr) {
    part->file = *file;
    part->from_file = true;
  }
  parts_.push_back(std::move(part));
}

XFER_DECL multipart_form& multipart_form::add_field(std::string_view name, std::string_view value,
                                                    std::string_view content_type) {
  add_part(name, std::nullopt, content_type, std::string(value), nullptr);
  return *this;
}

XFER_DECL multipart_form& multipart_form::add_file(std::string_view name, const std::filesystem::path& path,
                                                   std::optional<std::string_view> filename,
                                                   std::string_view content_type) {
  const std::string default_name = path.filename().string();
  const std::string_view sent_name = filename ? *filename : std::string_view(default_name);
  if (content_type.empty())
    content_type = detail::multipart::guess_content_type(sent_name);
  add_part(name, sent_name, content_type, {}, &path);
  return *this;
}

XFER_DECL multipart_form& multipart_form::add_data(std::string_view name, std::string data,
                                                   std::string_view filename, std::string_view content_type) {
  if (content_type.empty())
    content_type = detail::multipart::guess_content_type(filename);
  add_part(name, filename, content_type, std::move(data), nullptr);
  return *this;
}

XFER_DECL std::string multipart_form::content_type() const {
  std::string out = "multipart/form-data; boundary=";
  if (std::all_of(boundary_.begin(), boundary_.end(), detail::multipart::is_tchar)) {
    out += boundary_;
  } else {
    out += '"';
    out += boundary_;
    out += '"';
  }
  return out;
}

XFER_DECL std::uint64_t multipart_form::content_length(std::error_code& ec) const {
  return make_reader(ec).size();
}

XFER_DECL std::uint64_t multipart_form::content_length() const { return make_reader().size(); }

XFER_DECL multipart_reader multipart_form::make_reader(std::error_code& ec) const {
  multipart_reader r;
  r.parts_ = parts_;
  r.closing_ = "--" + boundary_ + "--\r\n";
  r.part_sizes_.reserve(parts_.size());
  std::uint64_t total = r.closing_.size();
  for (const auto& part : parts_) {
    std::uint64_t content = part->data.size();
    if (part->from_file) {
      std::string why;
      const int fd = detail::multipart::open_regular_file(part->file, content, why);
      if (fd < 0) {
        r.fail(std::move(why));
        ec = r.error_;
        return r;
      }
      ::close(fd);
    }
    r.part_sizes_.push_back(content);
    total += part->head.size() + content + 2;
  }
  r.size_ = total;
  r.stage_ = parts_.empty() ? multipart_reader::stage::closing : multipart_reader::stage::head;
  r.error_.clear();
  r.detail_.clear();
  ec.clear();
  return r;
}

XFER_DECL multipart_reader multipart_form::make_reader() const {
  std::error_code ec;
  multipart_reader r = make_reader(ec);
  if (ec)
    throw std::system_error(ec, r.error_detail());
  return r;
}

XFER_DECL std::string multipart_form::str() const {
  multipart_reader r = make_reader();
  std::string out(static_cast<std::size_t>(r.size()), '\0');
  std::size_t filled = 0;
  while (filled < out.size()) {
    const std::size_t n = r.read(std::span<char>(out.data() + filled, out.size() - filled));
    if (n == read_abort)
      throw std::system_error(r.error(), r.error_detail());
    if (n == 0)
      break;
    filled += n;
  }
  if (filled != out.size() || !r.done())
    throw std::system_error(make_error_code(errc::read_error), "xfer::multipart_form: the body changed size");
  return out;
}

XFER_DECL multipart_reader::multipart_reader(multipart_reader&& other) noexcept
    : parts_(std::move(other.parts_)),
      part_sizes_(std::move(other.part_sizes_)),
      closing_(std::move(other.closing_)),
      size_(other.size_),
      position_(other.position_),
      part_(other.part_),
      stage_(other.stage_),
      offset_(other.offset_),
      fd_(std::exchange(other.fd_, -1)),
      error_(other.error_),
      detail_(std::move(other.detail_)) {
  other.error_ = make_error_code(errc::read_error);
  other.detail_ = "the multipart reader was moved from";
  other.stage_ = stage::finished;
}

XFER_DECL multipart_reader& multipart_reader::operator=(multipart_reader&& other) noexcept {
  if (this != &other) {
    close_file();
    parts_ = std::move(other.parts_);
    part_sizes_ = std::move(other.part_sizes_);
    closing_ = std::move(other.closing_);
    size_ = other.size_;
    position_ = other.position_;
    part_ = other.part_;
    stage_ = other.stage_;
    offset_ = other.offset_;
    fd_ = std::exchange(other.fd_, -1);
    error_ = other.error_;
    detail_ = std::move(other.detail_);
    other.error_ = make_error_code(errc::read_error);
    other.detail_ = "the multipart reader was moved from";
    other.stage_ = stage::finished;
  }
  return *this;
}

XFER_DECL multipart_reader::~multipart_reader() { close_file(); }

XFER_DECL void multipart_reader::close_file() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

XFER_DECL bool multipart_reader::fail(std::string detail) {
  close_file();
  error_ = make_error_code(errc::read_error);
  detail_ = std::move(detail);
  return false;
}

XFER_DECL bool multipart_reader::open_file(const detail::multipart_part& part, std::uint64_t expected) {
  std::uint64_t now = 0;
  std::string why;
  fd_ = detail::multipart::open_regular_file(part.file, now, why);
  if (fd_ < 0)
    return fail(std::move(why));
  if (now != expected)
    return fail("form file '" + part.file.string() + "' changed size since the body was measured (" +
                std::to_string(expected) + " bytes then, " + std::to_string(now) + " now)");
  return true;
}

XFER_DECL bool multipart_reader::finish_file(const detail::multipart_part& part, std::uint64_t expected) {
  struct stat st {};
  if (::fstat(fd_, &st) != 0)
    return fail("cannot stat form file '" + part.file.string() + "': " + detail::multipart::describe_errno(errno));
  if (static_cast<std::uint64_t>(st.st_size) != expected)
    return fail("form file '" + part.file.string() + "' changed size while being sent (" + std::to_string(expected) +
                " bytes when the body was measured, " + std::to_string(st.st_size) + " now)");
  close_file();
  return true;
}

XFER_DECL std::size_t multipart_reader::read_file(const detail::multipart_part& part, std::uint64_t expected,
                                                  char* out, std::size_t room) {
  if (fd_ < 0 && !open_file(part, expected))
    return read_abort;
  const std::uint64_t remaining = expected - offset_;
  if (remaining == 0)
    return finish_file(part, expected) ? 0 : read_abort;
  const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(room, remaining));
  ssize_t got = 0;
  do {
    got = ::read(fd_, out, want);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    fail("reading form file '" + part.file.string() + "' failed: " + detail::multipart::describe_errno(errno));
    return read_abort;
  }
  if (got == 0) {
    fail("form file '" + part.file.string() + "' ended after " + std::to_string(offset_) + " of " +
         std::to_string(expected) + " bytes: it shrank while being sent");
    return read_abort;
  }
  offset_ += static_cast<std::uint64_t>(got);
  if (offset_ == expected && !finish_file(part, expected))
    return read_abort;
  return static_cast<std::size_t>(got);
}

XFER_DECL std::size_t multipart_reader::read(std::span<char> buffer) {
  if (error_)
    return read_abort;
  std::size_t n = 0;
  while (n < buffer.size() && stage_ != stage::finished) {
    char* out = buffer.data() + n;
    const std::size_t room = buffer.size() - n;
    std::string_view bytes;
    switch (stage_) {
    case stage::head:
      bytes = parts_[part_]->head;
      break;
    case stage::content: {
      const detail::multipart_part& part = *parts_[part_];
      if (!part.from_file) {
        bytes = part.data;
        break;
      }
      const std::size_t got = read_file(part, part_sizes_[part_], out, room);
      if (got == read_abort)
        return read_abort;
      n += got;
      position_ += got;
      if (offset_ == part_sizes_[part_] && fd_ < 0) {
        offset_ = 0;
        stage_ = stage::separator;
      }
      continue;
    }
    case stage::separator:
      bytes = "\r\n";
      break;
    case stage::closing:
      bytes = closing_;
      break;
    case stage::finished:
      break;
    }
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(room, bytes.size() - offset_));
    std::memcpy(out, bytes.data() + offset_, take);
    offset_ += take;
    n += take;
    position_ += take;
    if (offset_ < bytes.size())
      continue;
    offset_ = 0;
    switch (stage_) {
    case stage::head:
      stage_ = stage::content;
      break;
    case stage::content:
      stage_ = stage::separator;
      break;
    case stage::separator:
      if (++part_ < parts_.size())
        stage_ = stage::head;
      else
        stage_ = stage::closing;
      break;
    case stage::closing:
    case stage::finished:
      stage_ = stage::finished;
      break;
    }
  }
  return n;
}

XFER_DECL bool multipart_reader::rewind() {
  close_file();
  if (closing_.empty())
    return false; // never made by make_reader, or moved from
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    const detail::multipart_part& part = *parts_[i];
    if (!part.from_file)
      continue;
    std::uint64_t now = 0;
    std::string why;
    const int fd = detail::multipart::open_regular_file(part.file, now, why);
    if (fd < 0)
      return fail(std::move(why));
    ::close(fd);
    if (now != part_sizes_[i])
      return fail("form file '" + part.file.string() + "' changed size since the body was measured (" +
                  std::to_string(part_sizes_[i]) + " bytes then, " + std::to_string(now) + " now)");
  }
  position_ = 0;
  part_ = 0;
  offset_ = 0;
  stage_ = parts_.empty() ? stage::closing : stage::head;
  error_.clear();
  detail_.clear();
  return true;
}

} // namespace xfer
