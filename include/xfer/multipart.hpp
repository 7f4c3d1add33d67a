// xfer/multipart.hpp - xfer::multipart_form (multipart/form-data, RFC 7578) and its streaming body reader.
#pragma once

#include <xfer/callbacks.hpp>
#include <xfer/detail/config.hpp>
#include <xfer/error.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace xfer {

class multipart_reader;

namespace detail {

/// One part of a form: its delimiter and header lines, then its content from memory or a file.
struct multipart_part {
  std::string head;           ///< "--boundary\r\nContent-Disposition: …\r\n[Content-Type: …\r\n]\r\n"
  std::string data;           ///< the content, unless from_file
  std::filesystem::path file; ///< the content's file, when from_file
  bool from_file = false;
};

using multipart_parts = std::vector<std::shared_ptr<const multipart_part>>;

} // namespace detail

/// Builds a multipart/form-data body (RFC 7578) as browsers and curl send it:
/// text fields, files streamed from disk, and in-memory file parts, in the
/// order added. Names and file names have '"', CR and LF written as %22, %0D
/// and %0A (the HTML standard's and curl's escaping); other bytes, UTF-8
/// included, go out as given. Files are not touched until a reader is made.
///
/// \code
///   xfer::multipart_form form;
///   form.add_field("title", "holiday").add_file("photo", "/tmp/beach.jpg");
///   auto reader = std::make_shared<xfer::multipart_reader>(form.make_reader()); // stats the files
///   t.set_method("POST").add_header("Content-Type", form.content_type());
///   t.set_body([reader](std::span<char> b) { return reader->read(b); }, reader->size());
/// \endcode
///
/// The builders throw std::invalid_argument for a NUL byte in a name or file
/// name, or a content type with control characters.
class multipart_form {
public:
  /// A form whose boundary is "------------------------" followed by 32 hex
  /// digits from OpenSSL's RAND_bytes (128 random bits). Throws
  /// std::system_error (errc::failed_init) when the generator fails.
  XFER_DECL multipart_form();

  /// A form with the given boundary: 1 to 70 RFC 2046 `bchars`, not ending
  /// with a space (throws std::invalid_argument otherwise). It must not occur in
  /// any content; meant for reproducible output, e.g. in tests.
  XFER_DECL explicit multipart_form(std::string_view boundary);

  /// A text field; `content_type`, when not empty, adds a Content-Type line.
  XFER_DECL multipart_form& add_field(std::string_view name, std::string_view value,
                                      std::string_view content_type = {});

  /// A file part streamed from `path` when the body is sent. `filename` (the
  /// name the server sees) defaults to the path's last component; an empty one
  /// is sent as `filename=""`. `content_type` defaults to a guess from the
  /// file name's extension (.gif .jpg .jpeg .png .svg .txt .htm .html .pdf
  /// .xml, as curl) or application/octet-stream. The file must be a regular
  /// file when the reader is made.
  XFER_DECL multipart_form& add_file(std::string_view name, const std::filesystem::path& path,
                                     std::optional<std::string_view> filename = std::nullopt,
                                     std::string_view content_type = {});

  /// A file part whose content is `data` (kept by the form); content type as add_file().
  XFER_DECL multipart_form& add_data(std::string_view name, std::string data, std::string_view filename,
                                     std::string_view content_type = {});

  const std::string& boundary() const noexcept { return boundary_; }
  /// "multipart/form-data; boundary=…", the Content-Type to send the body with.
  XFER_DECL std::string content_type() const;
  /// How many parts were added.
  std::size_t size() const noexcept { return parts_.size(); }
  bool empty() const noexcept { return parts_.empty(); }

  /// The body's length in bytes, with the files' sizes as they are now.
  /// On error (a file missing, unreadable or not a regular file) `ec` is
  /// errc::read_error and 0 is returned.
  XFER_DECL std::uint64_t content_length(std::error_code& ec) const;
  /// As above; throws std::system_error.
  XFER_DECL std::uint64_t content_length() const;

  /// A reader of the body as it is now: opens and stats every file once (so an
  /// unreadable file fails here, before anything is sent) and fixes the
  /// body's size. Parts added later are not in it. On error `ec` is
  /// errc::read_error and the returned reader is failed (its error_detail()
  /// names the file and the reason; read() returns read_abort).
  XFER_DECL multipart_reader make_reader(std::error_code& ec) const;
  /// As above; throws std::system_error carrying the reason.
  XFER_DECL multipart_reader make_reader() const;

  /// The whole body in memory (files read now): for small forms and tests.
  /// Throws std::system_error as make_reader().
  XFER_DECL std::string str() const;

private:
  void add_part(std::string_view name, std::optional<std::string_view> filename, std::string_view content_type,
                std::string data, const std::filesystem::path* file);

  std::string boundary_;
  detail::multipart_parts parts_;
};

/// Streams one multipart_form body into caller-provided buffers: headers and
/// in-memory parts are copied, files are read from disk piece by piece
/// straight into the buffer (one file open at a time), so memory use does not
/// grow with file sizes. Move-only (it may hold an open file).
///
/// A file whose size differs from the one seen when the reader was made
/// (checked when the file is opened and again after its last byte) fails the
/// read with errc::read_error instead of sending a body of the wrong length.
class multipart_reader {
public:
  /// A failed reader (what make_reader returns on error).
  multipart_reader() = default;
  XFER_DECL multipart_reader(multipart_reader&& other) noexcept;
  XFER_DECL multipart_reader& operator=(multipart_reader&& other) noexcept;
  multipart_reader(const multipart_reader&) = delete;
  multipart_reader& operator=(const multipart_reader&) = delete;
  XFER_DECL ~multipart_reader();

  /// The body's total size, for Content-Length.
  std::uint64_t size() const noexcept { return size_; }
  /// How many bytes read() has produced since the start (or the last rewind()).
  std::uint64_t position() const noexcept { return position_; }
  /// Whether the whole body has been produced.
  bool done() const noexcept { return !error_ && stage_ == stage::finished; }

  /// Fills `buffer` with the next bytes and returns how many (fewer than
  /// buffer.size() only at the end); 0 once the body is complete; read_abort
  /// on error (see error()), and on every call after one. Matches
  /// xfer::read_callback.
  XFER_DECL std::size_t read(std::span<char> buffer);

  /// Goes back to the first byte, to send the body again (after a 307/308
  /// redirect or a 401 answered with credentials). Checks that every file still
  /// has the size the body was measured with; when one does not (or is gone),
  /// returns false and the reader is failed. Clears an earlier read error
  /// otherwise.
  XFER_DECL bool rewind();

  /// errc::read_error after a failure, else empty.
  std::error_code error() const noexcept { return error_; }
  /// What failed, naming the file; empty without error.
  const std::string& error_detail() const noexcept { return detail_; }

private:
  friend class multipart_form;
  enum class stage { head, content, separator, closing, finished };

  bool fail(std::string detail);
  bool open_file(const detail::multipart_part& part, std::uint64_t expected);
  bool finish_file(const detail::multipart_part& part, std::uint64_t expected);
  void close_file() noexcept;
  std::size_t read_file(const detail::multipart_part& part, std::uint64_t expected, char* out, std::size_t room);

  detail::multipart_parts parts_;
  std::vector<std::uint64_t> part_sizes_; ///< content size of each part
  std::string closing_;                   ///< "--boundary--\r\n"
  std::uint64_t size_ = 0;
  std::uint64_t position_ = 0;
  std::size_t part_ = 0;
  stage stage_ = stage::finished;
  std::uint64_t offset_ = 0; ///< within the current stage's bytes
  int fd_ = -1;
  std::error_code error_ = make_error_code(errc::read_error);
  std::string detail_ = "the multipart reader was not made by multipart_form::make_reader";
};

} // namespace xfer

#if defined(XFER_HEADER_ONLY)
#include <xfer/impl/multipart.ipp>
#endif
