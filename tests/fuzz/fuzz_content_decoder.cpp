// tests/fuzz/fuzz_content_decoder.cpp - the content decoder: Content-Encoding chains of gzip,
// deflate, br and zstd over arbitrary bytes, with a decoded size cap and a pausing sink.
//
// Input: [chain] [codings] [options] [seed] data...
//   chain bits 0-2    number of codings listed (0: none; 6 and 7 exceed the limit of 5)
//   chain bit 3       the list is given as two field lines (start() twice)
//   chain bit 4       noisy spelling: upper case, "identity" and empty elements between codings
//   chain bit 5       round trip: data is the plain body; the target encodes it with each coding
//                     of the chain (levels from the seed), and the decoded body must equal it
//   chain bits 6-7    how the bytes are fed besides whole: 0 one at a time, 1 random pieces of
//                     1-4, 2 random pieces of 1-64, 3 random pieces of 1-4096
//   codings           2 bits per coding, the first listed in bits 0-1 (0 gzip, 1 deflate, 2 br,
//                     3 zstd); the fifth coding is in options bits 0-1
//   options bits 2-4  decoded size cap: 0 16 MiB, k > 0: 2^(2k+4) bytes (64 B .. 1 MiB)
//   options bits 5-6  in the split run the sink refuses every (n+1)-th piece (0: never)
//   options bit 7     the data is decoded a third time by the same decoder after reset()
//   seed              seeds the random split points (with a hash of the input)
//
// Invariants: the whole and the split run (which pauses and resumes) give the same result, detail
// (but for the library's own message) and decoded bytes (with br or zstd on bad data: one body
// is a prefix of the other, since those libraries flush what they decoded ahead when their input
// runs out); results
// are success, bad_content_encoding or too_large, with a detail exactly when failing; at most the
// cap is delivered (exactly the cap when a single coding hits it); pieces are non-empty and at most
// buffer_size; decoded_size() counts what the sink took; without codings the bytes pass unchanged;
// more than 5 codings fail at the first byte; a round trip gives back the plain body (unless some
// stage's output exceeds the cap).
#include <xfer/detail/content_decoder.hpp>

#include "fuzz_common.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#if defined(XFER_HAS_ZLIB)
#include <zlib.h>
#endif
#if defined(XFER_HAS_BROTLI) && defined(XFER_FUZZ_BROTLI_ENCODER)
#include <brotli/encode.h>
#endif
#if defined(XFER_HAS_ZSTD)
#include <zstd.h>
#endif

namespace {

using xfer::detail::content_coding;
using xfer::detail::content_decoder;

constexpr content_coding codings[] = {content_coding::gzip, content_coding::deflate,
                                      content_coding::br, content_coding::zstd};

struct run_result {
  std::string body;
  std::error_code result;
  std::string detail;
};

/// Feeds `data` to `decoder` after start() with `fields`, in pieces from `next_piece` (0: whole),
/// the sink refusing every `refuse_every`-th offer (0: never).
template <class NextPiece>
run_result run(content_decoder& decoder, const std::vector<std::string>& fields,
               std::string_view data, const content_decoder::limits& bounds, NextPiece next_piece,
               int refuse_every) {
  run_result r;
  decoder.reset();
  for (const auto& field : fields)
    (void)decoder.start(field);
  int offers = 0;
  auto sink = [&](std::string_view piece) {
    XFER_FUZZ_CHECK(!piece.empty());
    XFER_FUZZ_CHECK(piece.size() <= content_decoder::buffer_size);
    if (refuse_every != 0 && ++offers % refuse_every == 0)
      return false;
    r.body.append(piece);
    return true;
  };
  while (!data.empty() && !r.result) {
    std::size_t n = next_piece();
    if (n == 0 || n > data.size())
      n = data.size();
    r.result = decoder.feed(data.substr(0, n), sink, bounds);
    data.remove_prefix(n);
    while (!r.result && decoder.paused()) {
      XFER_FUZZ_CHECK(decoder.finish() == std::errc::operation_in_progress);
      r.result = decoder.resume(sink, bounds);
    }
  }
  if (!r.result)
    r.result = decoder.finish();
  XFER_FUZZ_CHECK(!decoder.paused());
  XFER_FUZZ_CHECK(decoder.decoded_size() == r.body.size());
  XFER_FUZZ_CHECK(!r.result ||
                  decoder.error() == r.result); // (a refused field without body: no result)
  r.detail = decoder.error_detail();
  return r;
}

// ---- encoders for the round trips ------------------------------------------------------------

#if defined(XFER_HAS_ZLIB)
std::string zlib_encode(std::string_view in, int window_bits, int level) {
  z_stream z{};
  XFER_FUZZ_CHECK(deflateInit2(&z, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  XFER_FUZZ_CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}
#endif

/// `in` encoded with `coding`, or nothing when the encoder is not built in.
bool encode(content_coding coding, std::string& data, unsigned level) {
  switch (coding) {
#if defined(XFER_HAS_ZLIB)
  case content_coding::gzip:
    data = zlib_encode(data, 16 + MAX_WBITS, static_cast<int>(level % 10));
    return true;
  case content_coding::deflate: // zlib-wrapped or raw: the decoder must tell them apart
    data = zlib_encode(data, level % 2 ? -MAX_WBITS : MAX_WBITS, static_cast<int>(level % 10));
    return true;
#endif
#if defined(XFER_HAS_BROTLI) && defined(XFER_FUZZ_BROTLI_ENCODER)
  case content_coding::br: {
    std::size_t size = BrotliEncoderMaxCompressedSize(data.size());
    if (size == 0)
      size = data.size() + 1024;
    std::string out(size, '\0');
    XFER_FUZZ_CHECK(BrotliEncoderCompress(
                        static_cast<int>(level % 10), BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC,
                        data.size(), reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                        reinterpret_cast<std::uint8_t*>(out.data())) == BROTLI_TRUE);
    out.resize(size);
    data = std::move(out);
    return true;
  }
#endif
#if defined(XFER_HAS_ZSTD)
  case content_coding::zstd: {
    std::string out(ZSTD_compressBound(data.size()), '\0');
    const std::size_t size = ZSTD_compress(out.data(), out.size(), data.data(), data.size(),
                                           static_cast<int>(level % 20) - 1);
    XFER_FUZZ_CHECK(!ZSTD_isError(size));
    out.resize(size);
    data = std::move(out);
    return true;
  }
#endif
  default:
    return false;
  }
}

/// A detail without the library's message (" (...)" at the end).
std::string_view without_library_message(std::string_view detail) {
  if (!detail.empty() && detail.back() == ')')
    detail = detail.substr(0, detail.rfind(" ("));
  return detail;
}

std::string spelled(content_coding coding, bool noisy) {
  std::string name(xfer::detail::content_coding_name(coding));
  if (noisy) {
    for (char& c : name)
      c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    if (coding == content_coding::gzip)
      name = "X-GZIP";
  }
  return name;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4)
    return 0;
  const unsigned chain = data[0];
  const unsigned coding_bits = data[1] | (static_cast<unsigned>(data[2] & 3) << 8);
  const unsigned options = data[2];
  const unsigned seed = data[3];
  std::string input(reinterpret_cast<const char*>(data + 4), size - 4);

  const std::size_t count = chain & 7;
  const bool two_lines = (chain & 0x08) != 0;
  const bool noisy = (chain & 0x10) != 0;
  const bool round_trip = (chain & 0x20) != 0;
  const unsigned split_mode = chain >> 6;

  std::vector<content_coding> listed;
  for (std::size_t i = 0; i < count; ++i)
    listed.push_back(codings[(coding_bits >> (2 * (i % 5))) & 3]);

  // The field lines.
  std::vector<std::string> fields(two_lines ? 2 : 1);
  for (std::size_t i = 0; i < listed.size(); ++i) {
    std::string& field = fields[two_lines && i >= listed.size() / 2 ? 1 : 0];
    if (!field.empty())
      field += noisy ? " ,, identity\t, " : ", ";
    field += spelled(listed[i], noisy);
  }

  content_decoder::limits bounds;
  const unsigned cap_bits = (options >> 2) & 7;
  bounds.max_decoded_size =
      cap_bits == 0 ? std::uint64_t{16} << 20 : std::uint64_t{1} << (2 * cap_bits + 4);
  const int refuse_every =
      static_cast<int>((options >> 5) & 3) == 0 ? 0 : static_cast<int>((options >> 5) & 3) + 1;

  // Round trip: encode the plain body with each coding, in the order listed. Every stage's
  // output (the plain body, then each encoding but the last) must fit the cap to come back.
  const std::string plain = input;
  bool encodable = round_trip && count >= 1 && count <= content_decoder::max_codings;
  std::size_t largest_stage_output = plain.size();
  for (std::size_t i = 0; encodable && i < listed.size(); ++i) {
    if (i > 0)
      largest_stage_output = std::max(largest_stage_output, input.size());
    encodable = encode(listed[i], input, seed + static_cast<unsigned>(i) * 7);
  }

  content_decoder decoder;
  const run_result whole = run(
      decoder, fields, input, bounds, [] { return std::size_t{0}; }, 0);

  xfer_fuzz::rng rng(xfer_fuzz::hash(input) ^ seed);
  const std::size_t max_piece = split_mode == 0   ? 1
                                : split_mode == 1 ? 4
                                : split_mode == 2 ? 64
                                                  : 4096;
  const run_result split = run(
      decoder, fields, input, bounds, [&] { return rng.piece(max_piece); }, refuse_every);

  // brotli and libzstd decode ahead (a ring buffer, a whole block) and flush when their input
  // runs out, so on bad data, how much comes out before the error (and whether the cap comes
  // first) depends on the split; zlib's output does not.
  const bool decodes_ahead = std::any_of(listed.begin(), listed.end(), [](content_coding c) {
    return c == content_coding::br || c == content_coding::zstd;
  });
  if (!decodes_ahead || !whole.result || !split.result) {
    XFER_FUZZ_CHECK(whole.result == split.result);
    XFER_FUZZ_CHECK(whole.body == split.body);
    // The libraries' own messages may differ with the split (zstd takes other paths for whole
    // blocks): the details must agree up to them.
    XFER_FUZZ_CHECK(without_library_message(whole.detail) == without_library_message(split.detail));
  } else {
    // Both failed: the bodies are prefixes of the same stream.
    const std::string& shorter = whole.body.size() < split.body.size() ? whole.body : split.body;
    const std::string& longer = whole.body.size() < split.body.size() ? split.body : whole.body;
    XFER_FUZZ_CHECK(longer.compare(0, shorter.size(), shorter) == 0);
  }
  XFER_FUZZ_CHECK(!whole.result || whole.result == xfer::errc::bad_content_encoding ||
                  whole.result == xfer::errc::too_large);
  // A detail exactly with a result; a refused field without body bytes keeps its detail only.
  XFER_FUZZ_CHECK(whole.result ? !whole.detail.empty() : whole.detail.empty() || input.empty());
  if (count > 0)
    XFER_FUZZ_CHECK(whole.body.size() <= bounds.max_decoded_size);
  if (whole.result == xfer::errc::too_large && count == 1)
    XFER_FUZZ_CHECK(whole.body.size() == bounds.max_decoded_size);
  if (count == 0)
    XFER_FUZZ_CHECK(!whole.result && whole.body == input);
  if (count > content_decoder::max_codings && !input.empty())
    XFER_FUZZ_CHECK(whole.result == xfer::errc::bad_content_encoding && whole.body.empty());
  if (encodable && largest_stage_output <= bounds.max_decoded_size) {
    XFER_FUZZ_CHECK(!whole.result);
    XFER_FUZZ_CHECK(whole.body == plain);
  }

  if (options & 0x80) {
    const run_result again = run(
        decoder, fields, input, bounds, [&] { return rng.piece(max_piece); }, 0);
    XFER_FUZZ_CHECK(again.result == whole.result);
    XFER_FUZZ_CHECK(again.body == whole.body);
  }
  return 0;
}
