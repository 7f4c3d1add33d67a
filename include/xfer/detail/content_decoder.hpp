// xfer/detail/content_decoder.hpp - undoes a response's Content-Encoding while its body streams.
//
// Each coding is an optional dependency, compiled in when its macro is defined and its library
// linked (the CMake options XFER_WITH_ZLIB, XFER_WITH_BROTLI and XFER_WITH_ZSTD do both for the
// target xfer::xfer):
//
//   XFER_HAS_ZLIB    gzip, deflate   link zlib (-lz)
//   XFER_HAS_BROTLI  br              link libbrotlidec (-lbrotlidec)
//   XFER_HAS_ZSTD    zstd            link libzstd (-lzstd)
//
// A header-only user without CMake defines the macros he wants in every translation unit (the
// same set everywhere) and links the libraries himself. Without any, no coding is decoded and
// accept_encoding_value() is empty.
#pragma once

#include <xfer/detail/config.hpp>
#include <xfer/detail/content_coding.hpp>
#include <xfer/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace xfer::detail {

/// Decodes a body whose Content-Encoding lists up to five codings, as its bytes arrive.
///
/// Per response: reset(), start() with each Content-Encoding field line, then feed() every body
/// byte in order, and finish() at the end of the body. Decoded bytes go to a sink, a callable
/// taking std::string_view that returns void, or bool where false means "not consumed, pause":
/// the decoder then keeps that piece (and copies the rest of the input it was given), paused()
/// turns true, and resume() offers it again. The sink's views point into the decoder's own
/// buffers and are valid during the call only.
///
/// Without codings (no field, or only "identity") the decoder stays inactive and costs nothing:
/// the caller checks active() and delivers the body itself. Once warm, a decoder reused for
/// responses with the same codings allocates nothing, except brotli, whose library cannot reset
/// a decoder (one instance per br response).
///
/// Errors: errc::bad_content_encoding (unsupported coding, more than five, corrupt or truncated
/// data, bytes after the end of a stream), errc::too_large (a decoding stage produced more than
/// limits::max_decoded_size bytes), errc::operation_timedout (limits::deadline passed while
/// decoding), errc::out_of_memory. The first error sticks until reset(); error_detail() says what
/// happened in a sentence.
///
/// Not thread-safe; one decoder per transfer (or per connection stream).
class content_decoder {
 public:
  /// Bounds checked inside the decoding loop, once per output buffer.
  struct limits {
    /// Bytes one decoding stage may produce for one response (in a chain, every stage is held to
    /// it): the decoded body's size cap and the bomb guard.
    std::uint64_t max_decoded_size = std::numeric_limits<std::uint64_t>::max();
    /// Decoding stops with errc::operation_timedout once this time has passed (the transfer's
    /// total timeout); time_point::max() disables the check.
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  };

  /// Codings one response may chain (curl's limit too); "identity" is not counted.
  static constexpr std::size_t max_codings = 5;
  /// Bytes of each stage's output buffer; the sink receives pieces of at most this size.
  static constexpr std::size_t buffer_size = std::size_t{32} * 1024;

  content_decoder() = default;
  content_decoder(const content_decoder&) = delete;
  content_decoder& operator=(const content_decoder&) = delete;
  content_decoder(content_decoder&&) noexcept = default;
  content_decoder& operator=(content_decoder&&) noexcept = default;
  ~content_decoder() = default;

  /// The Accept-Encoding value naming what this build decodes, in the order
  /// "gzip, deflate, br, zstd"; empty when no coding is compiled in.
  XFER_DECL static std::string_view accept_encoding_value() noexcept;

  /// Whether this build decodes `coding`.
  XFER_DECL static bool supports(content_coding coding) noexcept;

  /// Forgets the current response: inactive, no error, counters at zero. Keeps the decoders and
  /// buffers allocated for the next response.
  XFER_DECL void reset() noexcept;

  /// reset(), and frees every decoder and buffer (for a connection going idle for long).
  XFER_DECL void release() noexcept;

  /// Adds the codings of one Content-Encoding field line (a comma-separated list, names
  /// case-insensitive, optional whitespace, empty elements and "identity" ignored, "x-gzip" is
  /// gzip). Call it for each field line, in order, before the first feed(): codings apply in the
  /// order listed, so decoding runs from the last one back to the first.
  ///
  /// Returns errc::bad_content_encoding for an unknown coding, one this build lacks, or more than
  /// max_codings in all. The error is also kept and reported by the first feed() of a body byte,
  /// as curl does: a response without body bytes (HEAD, 204, 304, empty) never fails for its
  /// Content-Encoding, so a caller may leave start()'s result aside and rely on feed().
  XFER_DECL std::error_code start(std::string_view content_encoding);

  /// Whether body bytes must go through feed(): start() found a coding, or an error to report.
  bool active() const noexcept { return active_; }

  /// Whether the sink refused a piece: decoded data (and possibly input) waits for resume().
  bool paused() const noexcept { return paused_; }

  /// Decodes `input`, the next body bytes, and hands the decoded bytes to `sink` as they come.
  /// Consumes all of `input`: what cannot be decoded yet is kept in the decoders' state, and on
  /// a pause the rest of `input` is copied (so at most one input piece is ever held). While
  /// paused, feed() only appends `input` to what is held; the caller should stop feeding
  /// instead. Called on an inactive decoder, it passes `input` to the sink unchanged.
  ///
  /// Returns the sticky error, if any; a pause is not an error (see paused()). An exception
  /// thrown by the sink propagates; the decoder must then be reset().
  template <class Sink>
  std::error_code feed(std::string_view input, Sink&& sink, const limits& bounds);

  /// Continues after a pause: offers the refused piece again, then decodes what is held. May
  /// pause again. Does nothing unless paused().
  template <class Sink>
  std::error_code resume(Sink&& sink, const limits& bounds);

  /// At the end of the body: errc::bad_content_encoding when a stage's stream is incomplete
  /// (truncated data), or the sticky error. A body without any byte needs no decoding and
  /// succeeds. Call it once paused() is false (while paused, it returns
  /// std::errc::operation_in_progress).
  XFER_DECL std::error_code finish();

  /// The sticky error; empty when none.
  std::error_code error() const noexcept { return error_; }
  /// What the sticky error means, in a sentence; empty when none.
  const std::string& error_detail() const noexcept { return detail_; }

  /// Decoded bytes the sink accepted since reset().
  std::uint64_t decoded_size() const noexcept { return delivered_; }
  /// Codings in the current chain (identity excluded).
  std::size_t coding_count() const noexcept { return depth_; }

 private:
  /// One decoding step of the chain: a decoder and the output it produced that the next step
  /// (or the sink) has not taken yet.
  struct stage {
    std::unique_ptr<coding_decoder> decoder;
    std::unique_ptr<char[]> buffer; ///< buffer_size bytes, allocated on first use
    std::size_t begin = 0;          ///< pending output: buffer[begin, end)
    std::size_t end = 0;
    std::uint64_t produced = 0; ///< bytes produced since start()
    bool more_output = false;   ///< the decoder may hold output for input it consumed
    bool fed = false;           ///< the decoder received at least one byte
    bool stopped = false;       ///< failed: its pending output still goes down the chain

    std::string_view pending() const noexcept { return {buffer.get() + begin, end - begin}; }
  };

  template <class Sink>
  static bool offer(Sink& sink, std::string_view piece) {
    if constexpr (std::is_void_v<std::invoke_result_t<Sink&, std::string_view>>) {
      sink(piece);
      return true;
    } else {
      return static_cast<bool>(sink(piece));
    }
  }

  /// Moves data down the chain (stages_[depth_ - 1] decodes `input`, stages_[0] feeds the sink)
  /// until everything is delivered, the sink pauses or an error stops it. Always finishes the
  /// stage nearest the sink first, so each stage holds at most one buffer of pending output.
  /// When a stage fails on corrupt data or at the size cap, what it decoded before (up to the
  /// cap) still goes down the chain to the sink, and then the error is returned: the sink gets
  /// the same bytes whatever the input's split.
  template <class Sink>
  std::error_code pump(std::string_view& input, bool input_is_held, Sink& sink,
                       const limits& bounds);

  /// The input of stage `i`: the body bytes for the first decoder, else the output pending in
  /// the previous stage.
  std::string_view source_of(std::size_t i, std::string_view input) const noexcept {
    return i + 1 == depth_ ? input : stages_[i + 1].pending();
  }

  /// Runs stage `i` once on its source; checks the deadline before and the size cap after.
  /// Returns the errors that stop at once (deadline); on a decoding error or the cap, keeps the
  /// error, marks the stage stopped and returns none.
  XFER_DECL std::error_code step(std::size_t i, std::string_view& input, const limits& bounds);

  /// Keeps `input` (the unconsumed rest of the caller's bytes, or of held_) for resume().
  XFER_DECL void hold(std::string_view input, bool input_is_held);

  XFER_DECL std::error_code fail(std::error_code ec, std::string detail);

  std::vector<stage> stages_; ///< [0, depth_) in use, in listed order; later slots kept warm
  std::size_t depth_ = 0;
  bool active_ = false;
  bool paused_ = false;
  bool fed_ = false; ///< a body byte arrived
  std::error_code error_;
  std::string detail_;
  std::string held_; ///< input kept during a pause
  std::size_t held_begin_ = 0;
  std::uint64_t delivered_ = 0;
};

template <class Sink>
std::error_code content_decoder::feed(std::string_view input, Sink&& sink, const limits& bounds) {
  if (!input.empty())
    fed_ = true;
  if (paused_) {
    held_.append(input);
    return {};
  }
  if (error_)
    return fed_ ? error_ : std::error_code{};
  return pump(input, false, sink, bounds);
}

template <class Sink>
std::error_code content_decoder::resume(Sink&& sink, const limits& bounds) {
  if (!paused_)
    return error_;
  paused_ = false;
  std::string_view input(held_.data() + held_begin_, held_.size() - held_begin_);
  const std::error_code ec = pump(input, true, sink, bounds);
  if (!paused_) {
    held_.clear();
    held_begin_ = 0;
  }
  return ec;
}

template <class Sink>
std::error_code content_decoder::pump(std::string_view& input, bool input_is_held, Sink& sink,
                                      const limits& bounds) {
  for (;;) {
    const std::string_view ready = depth_ == 0 ? input : stages_[0].pending();
    if (!ready.empty()) {
      if (!offer(sink, ready)) {
        paused_ = true;
        hold(input, input_is_held);
        return {};
      }
      delivered_ += ready.size();
      if (depth_ == 0)
        input = {};
      else
        stages_[0].begin = stages_[0].end;
    }
    std::size_t i = 0;
    for (; i < depth_; ++i) {
      const stage& s = stages_[i];
      if (s.stopped) // failed: what it produced before is delivered, nothing more comes
        return error_;
      if (s.begin == s.end && (s.more_output || !source_of(i, input).empty()))
        break;
    }
    if (i == depth_)
      return error_;
    if (const std::error_code ec = step(i, input, bounds))
      return ec;
  }
}

} // namespace xfer::detail

#if defined(XFER_HEADER_ONLY)
#include <xfer/detail/impl/content_decoder.ipp>
#endif
