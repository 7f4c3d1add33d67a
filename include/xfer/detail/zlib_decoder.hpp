// xfer/detail/zlib_decoder.hpp - gzip and deflate content decoding through zlib (XFER_HAS_ZLIB).
#pragma once

#if defined(XFER_HAS_ZLIB)

#include <xfer/detail/content_coding.hpp>
#include <xfer/error.hpp>

#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <limits>

namespace xfer::detail {

/// Inflates "gzip" or "deflate" content.
///
/// gzip: the first member may also be zlib-wrapped (as curl accepts); the members of a
/// multi-member stream (RFC 1952 §2.2) are decoded one after the other; any other byte after a
/// member is an error.
///
/// deflate: RFC 9110 means the zlib format (RFC 1950), but some servers send raw deflate
/// (RFC 1951). The first two bytes decide: a valid zlib header means zlib, anything else raw.
/// After a raw stream, up to 4 bytes (a stray checksum) are tolerated, as curl does; nothing may
/// follow a zlib stream.
///
/// zlib's state (about 7 KiB, plus a 32 KiB window once data flows) is kept across reset().
class zlib_decoder final : public coding_decoder {
 public:
  explicit zlib_decoder(content_coding coding) noexcept : coding_(coding) {}
  zlib_decoder(const zlib_decoder&) = delete;
  zlib_decoder& operator=(const zlib_decoder&) = delete;
  ~zlib_decoder() override {
    if (initialised_)
      inflateEnd(&z_);
  }

  content_coding coding() const noexcept override { return coding_; }

  std::error_code reset() noexcept override {
    // gzip: 32 + 15 detects a gzip or zlib header. deflate: decided by the first two bytes.
    const int window_bits = coding_ == content_coding::gzip ? 32 + MAX_WBITS : MAX_WBITS;
    if (!initialised_) {
      z_ = z_stream{};
      if (inflateInit2(&z_, window_bits) != Z_OK)
        return errc::out_of_memory;
      initialised_ = true;
    } else if (inflateReset2(&z_, window_bits) != Z_OK) {
      return errc::out_of_memory;
    }
    state_ = coding_ == content_coding::gzip ? phase::inflating : phase::sniffing;
    held_size_ = held_begin_ = 0;
    trailer_allowance_ = 0;
    raw_ = false;
    return {};
  }

  coding_step decode(std::string_view& input, std::span<char> output) noexcept override {
    coding_step step;
    if (state_ == phase::sniffing) {
      while (held_size_ < 2 && !input.empty()) {
        held_[held_size_++] = input.front();
        input.remove_prefix(1);
      }
      if (held_size_ < 2)
        return step;
      raw_ = !is_zlib_header(static_cast<unsigned char>(held_[0]),
                             static_cast<unsigned char>(held_[1]));
      if (inflateReset2(&z_, raw_ ? -MAX_WBITS : MAX_WBITS) != Z_OK) {
        fail(step, errc::out_of_memory, "zlib could not be reset");
        return step;
      }
      state_ = phase::inflating;
    }
    if (held_begin_ < held_size_) {
      std::string_view held(held_ + held_begin_, held_size_ - held_begin_);
      run(held, output, step);
      held_begin_ = held_size_ - held.size();
      if (step.error || held_begin_ < held_size_)
        return step;
    }
    run(input, output, step);
    return step;
  }

  bool at_end() const noexcept override {
    return state_ == phase::member_ended || state_ == phase::stream_ended;
  }

 private:
  enum class phase : unsigned char {
    sniffing,     ///< deflate: collecting the two bytes that tell zlib from raw deflate
    inflating,    ///< inside a stream (gzip: inside a member)
    member_ended, ///< gzip: a member ended; another may follow
    stream_ended, ///< deflate: the stream ended; only tolerated trailer bytes may follow
  };

  /// RFC 1950 §2.2: CM 8 (deflate), CINFO <= 7 (window <= 32 KiB), FCHECK makes CMF*256+FLG a
  /// multiple of 31.
  static constexpr bool is_zlib_header(unsigned char cmf, unsigned char flg) noexcept {
    return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
  }

  static void fail(coding_step& step, errc e, std::string_view reason,
                   const char* library_message = nullptr) noexcept {
    step.error = e;
    step.reason = reason;
    step.library_message = library_message != nullptr ? library_message : "";
  }

  /// Inflates from `in` into `out` after the step's produced bytes, handling member and stream
  /// ends, until `out` is full or `in` is used up.
  void run(std::string_view& in, std::span<char> out, coding_step& step) noexcept {
    constexpr std::size_t uint_max = std::numeric_limits<uInt>::max();
    for (;;) {
      if (state_ == phase::member_ended) {
        if (in.empty())
          return;
        if (static_cast<unsigned char>(in.front()) != 0x1f) // not the start of another member
          return fail(step, errc::bad_content_encoding, "data after the end of the gzip stream");
        if (inflateReset2(&z_, 16 + MAX_WBITS) != Z_OK)
          return fail(step, errc::out_of_memory, "zlib could not be reset");
        state_ = phase::inflating;
      }
      if (state_ == phase::stream_ended) {
        const std::size_t skipped = std::min(in.size(), trailer_allowance_);
        trailer_allowance_ -= skipped;
        in.remove_prefix(skipped);
        if (!in.empty())
          fail(step, errc::bad_content_encoding, "data after the end of the deflate stream");
        return;
      }
      const std::size_t room = out.size() - step.produced;
      if (room == 0) {
        step.more_output = true;
        return;
      }
      const auto in_size = static_cast<uInt>(std::min(in.size(), uint_max));
      const auto out_size = static_cast<uInt>(std::min(room, uint_max));
      // zlib never writes through next_in; the cast fits it with or without ZLIB_CONST.
      z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      z_.avail_in = in_size;
      z_.next_out = reinterpret_cast<Bytef*>(out.data() + step.produced);
      z_.avail_out = out_size;
      const int status = inflate(&z_, Z_NO_FLUSH);
      in.remove_prefix(in_size - z_.avail_in);
      step.produced += out_size - z_.avail_out;
      switch (status) {
      case Z_OK:
        if (in.empty() && z_.avail_out != 0)
          return;
        continue;       // output full (checked at the loop's top), or input beyond uInt left
      case Z_BUF_ERROR: // no progress possible: needs more input
        return;
      case Z_STREAM_END:
        if (coding_ == content_coding::gzip) {
          state_ = phase::member_ended;
        } else {
          state_ = phase::stream_ended;
          trailer_allowance_ = raw_ ? 4 : 0;
        }
        continue;
      case Z_NEED_DICT:
        return fail(step, errc::bad_content_encoding, "the stream needs a preset dictionary");
      case Z_MEM_ERROR:
        return fail(step, errc::out_of_memory, "zlib ran out of memory", z_.msg);
      default: // Z_DATA_ERROR, Z_STREAM_ERROR
        return fail(step, errc::bad_content_encoding, "corrupt data", z_.msg);
      }
    }
  }

  z_stream z_{};
  content_coding coding_;
  phase state_ = phase::inflating;
  bool initialised_ = false;
  bool raw_ = false;
  char held_[2] = {};
  std::size_t held_size_ = 0;
  std::size_t held_begin_ = 0;
  std::size_t trailer_allowance_ = 0;
};

} // namespace xfer::detail

#endif // XFER_HAS_ZLIB
