// Content decoding: Content-Encoding parsing, round trips through each library's encoder fed
// whole, byte by byte and in random pieces, chains, corrupt and truncated data, the decoded size
// cap and the deadline against decompression bombs, pausing. Each coding's tests exist only when
// its macro (XFER_HAS_ZLIB, XFER_HAS_BROTLI, XFER_HAS_ZSTD) is set.
#include <xfer/detail/content_decoder.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#if defined(XFER_HAS_ZLIB)
#include <zlib.h>
#endif
#if defined(XFER_HAS_BROTLI) && defined(XFER_TEST_BROTLI_ENCODER)
#include <brotli/encode.h>
#endif
#if defined(XFER_HAS_ZSTD)
#include <zstd.h>
#endif

namespace {

using xfer::detail::content_coding;
using xfer::detail::content_decoder;
using clock_type = std::chrono::steady_clock;

/// Empty when `a` equals `b`, else where they differ (bodies are too long to print).
std::string difference(std::string_view a, std::string_view b) {
  const auto at = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  if (at.first == a.end() && at.second == b.end())
    return {};
  return "sizes " + std::to_string(a.size()) + " and " + std::to_string(b.size()) +
         ", first difference at " + std::to_string(at.first - a.begin());
}

enum class split { whole, bytes, random };

struct decoded {
  std::string body;
  std::error_code result; ///< feed()'s error, else finish()'s
  std::string detail;
  std::size_t sink_calls = 0;
};

/// Decodes `data` as a body with the given Content-Encoding field lines, fed in pieces.
decoded decode_with(content_decoder& decoder, const std::vector<std::string_view>& fields,
                    std::string_view data, split how, content_decoder::limits bounds = {},
                    unsigned seed = 1) {
  decoded out;
  decoder.reset();
  for (const auto field : fields)
    (void)decoder.start(field);
  auto sink = [&](std::string_view piece) {
    CHECK(piece.size() <= content_decoder::buffer_size);
    CHECK(!piece.empty());
    out.body.append(piece);
    ++out.sink_calls;
  };
  std::mt19937 rng(seed);
  while (!data.empty() && !out.result) {
    std::size_t n = data.size();
    if (how == split::bytes)
      n = 1;
    else if (how == split::random)
      n = std::min<std::size_t>(data.size(), 1 + rng() % (rng() % 4 == 0 ? 4096 : 64));
    out.result = decoder.feed(data.substr(0, n), sink, bounds);
    data.remove_prefix(n);
  }
  if (!out.result)
    out.result = decoder.finish();
  out.detail = decoder.error_detail();
  CHECK(decoder.decoded_size() == out.body.size());
  return out;
}

decoded decode(std::string_view field, std::string_view data, split how = split::whole,
               content_decoder::limits bounds = {}, unsigned seed = 1) {
  content_decoder decoder;
  return decode_with(decoder, {field}, data, how, bounds, seed);
}

/// Same result whole, byte by byte and in random pieces (with a few seeds); returns it.
decoded decode_every_way(std::string_view field, std::string_view data) {
  const decoded whole = decode(field, data, split::whole);
  const decoded bytes = decode(field, data, split::bytes);
  CHECK(bytes.result == whole.result);
  CHECK(difference(bytes.body, whole.body) == "");
  for (unsigned seed = 1; seed <= 4; ++seed) {
    const decoded pieces = decode(field, data, split::random, {}, seed);
    CHECK(pieces.result == whole.result);
    CHECK(difference(pieces.body, whole.body) == "");
  }
  return whole;
}

/// Text that compresses like a web page: words, markup, some random bytes.
std::string sample_body(std::size_t size, unsigned seed = 7) {
  static constexpr std::string_view words[] = {"<div class=\"item\">",
                                               "</div>\n",
                                               "the",
                                               "multi",
                                               "interface",
                                               "transfer",
                                               "gzip",
                                               "of",
                                               "connection",
                                               "pool",
                                               "{\"id\": ",
                                               "}, ",
                                               "lorem",
                                               "ipsum",
                                               "HTTP/1.1",
                                               "\r\n"};
  std::mt19937 rng(seed);
  std::string s;
  s.reserve(size);
  while (s.size() < size) {
    if (rng() % 16 == 0)
      s += static_cast<char>(rng() & 0xff);
    else
      s += words[rng() % std::size(words)];
    s += ' ';
  }
  s.resize(size);
  return s;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

const std::error_code bad_encoding = xfer::errc::bad_content_encoding;
const std::error_code too_large = xfer::errc::too_large;

#if defined(XFER_HAS_ZLIB)
/// zlib's deflate: window_bits 15 for zlib, -15 for raw deflate, 31 for gzip.
std::string zlib_compress(std::string_view in, int window_bits, int level = 6) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}
std::string gzip(std::string_view in) {
  return zlib_compress(in, 16 + MAX_WBITS);
}
std::string zlib_deflate(std::string_view in) {
  return zlib_compress(in, MAX_WBITS);
}
std::string raw_deflate(std::string_view in) {
  return zlib_compress(in, -MAX_WBITS);
}

/// A gzip member whose deflate data is `mib` MiB of zeros, without its end: one full-flush
/// segment of 1 MiB of zeros repeated (all such segments are the same bytes). About 1 KiB per
/// MiB, so a 10 GiB bomb is about 10 MB.
std::string gzip_zero_bomb(std::size_t mib) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string zeros(std::size_t{1} << 20, '\0');
  auto segment = [&] {
    std::string out(zeros.size(), '\0');
    z.next_in = reinterpret_cast<Bytef*>(zeros.data());
    z.avail_in = static_cast<uInt>(zeros.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z, Z_FULL_FLUSH) == Z_OK);
    REQUIRE(z.avail_in == 0);
    out.resize(out.size() - z.avail_out);
    return out;
  };
  std::string bomb = segment(); // gzip header + the first MiB
  const std::string repeated = segment();
  REQUIRE(segment() == repeated);
  deflateEnd(&z);
  bomb.reserve(bomb.size() + repeated.size() * mib);
  for (std::size_t i = 1; i < mib; ++i)
    bomb += repeated;
  return bomb;
}
#endif

#if defined(XFER_HAS_BROTLI) && defined(XFER_TEST_BROTLI_ENCODER)
std::string brotli(std::string_view in, int quality = 5) {
  std::size_t size = BrotliEncoderMaxCompressedSize(in.size());
  if (size == 0)
    size = in.size() + 1024;
  std::string out(size, '\0');
  REQUIRE(BrotliEncoderCompress(quality, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, in.size(),
                                reinterpret_cast<const std::uint8_t*>(in.data()), &size,
                                reinterpret_cast<std::uint8_t*>(out.data())) == BROTLI_TRUE);
  out.resize(size);
  return out;
}

/// `mib` MiB of zeros through the streaming encoder.
std::string brotli_zero_bomb(std::size_t mib) {
  BrotliEncoderState* state = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
  REQUIRE(state != nullptr);
  BrotliEncoderSetParameter(state, BROTLI_PARAM_QUALITY, 1);
  const std::string zeros(std::size_t{1} << 20, '\0');
  std::string out;
  std::string buffer(1 << 16, '\0');
  for (std::size_t i = 0; i <= mib; ++i) {
    const bool last = i == mib;
    std::size_t available_in = last ? 0 : zeros.size();
    const auto* next_in = reinterpret_cast<const std::uint8_t*>(zeros.data());
    do {
      std::size_t available_out = buffer.size();
      auto* next_out = reinterpret_cast<std::uint8_t*>(buffer.data());
      REQUIRE(BrotliEncoderCompressStream(
                  state, last ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS, &available_in,
                  &next_in, &available_out, &next_out, nullptr) == BROTLI_TRUE);
      out.append(buffer.data(), buffer.size() - available_out);
    } while (available_in != 0 || BrotliEncoderHasMoreOutput(state) == BROTLI_TRUE ||
             (last && BrotliEncoderIsFinished(state) != BROTLI_TRUE));
  }
  BrotliEncoderDestroyInstance(state);
  return out;
}
#endif

#if defined(XFER_HAS_ZSTD)
std::string zstd(std::string_view in, int level = 3) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  const std::size_t size = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), level);
  REQUIRE_FALSE(ZSTD_isError(size));
  out.resize(size);
  return out;
}

/// `in` streamed in two steps (so the frame does not declare its size) with a 2^window_log window.
std::string zstd_with_window(std::string_view in, int window_log) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  REQUIRE(cctx != nullptr);
  REQUIRE_FALSE(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, window_log)));
  std::string out(ZSTD_compressBound(in.size()) + 1024, '\0');
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  ZSTD_inBuffer first{in.data(), in.size() / 2, 0};
  REQUIRE_FALSE(ZSTD_isError(ZSTD_compressStream2(cctx, &o, &first, ZSTD_e_continue)));
  ZSTD_inBuffer second{in.data() + in.size() / 2, in.size() - in.size() / 2, 0};
  std::size_t left = 0;
  do {
    left = ZSTD_compressStream2(cctx, &o, &second, ZSTD_e_end);
    REQUIRE_FALSE(ZSTD_isError(left));
  } while (left != 0);
  out.resize(o.pos);
  ZSTD_freeCCtx(cctx);
  return out;
}

/// `gib` GiB of zeros: one frame of 64 MiB of zeros (RLE blocks, a few bytes per 128 KiB)
/// repeated, since a zstd stream may hold several frames.
std::string zstd_zero_bomb(std::size_t gib) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  REQUIRE(cctx != nullptr);
  const std::string zeros(std::size_t{1} << 20, '\0');
  std::string frame;
  std::string buffer(1 << 16, '\0');
  for (std::size_t i = 0; i <= 64; ++i) {
    const bool last = i == 64;
    ZSTD_inBuffer in{zeros.data(), last ? 0 : zeros.size(), 0};
    std::size_t left = 0;
    do {
      ZSTD_outBuffer o{buffer.data(), buffer.size(), 0};
      left = ZSTD_compressStream2(cctx, &o, &in, last ? ZSTD_e_end : ZSTD_e_continue);
      REQUIRE_FALSE(ZSTD_isError(left));
      frame.append(buffer.data(), o.pos);
    } while (in.pos != in.size || (last && left != 0));
  }
  ZSTD_freeCCtx(cctx);
  std::string bomb;
  for (std::size_t i = 0; i < gib * 16; ++i)
    bomb += frame;
  return bomb;
}
#endif

/// Decodes a bomb whole, counting the decoded bytes without keeping them.
struct bomb_result {
  std::error_code result;
  std::string detail;
  std::uint64_t decoded = 0;
  clock_type::duration elapsed{};
};

bomb_result decode_bomb(std::string_view field, std::string_view data,
                        const content_decoder::limits& bounds) {
  bomb_result r;
  content_decoder decoder;
  const auto started = clock_type::now();
  (void)decoder.start(field);
  r.result = decoder.feed(
      data, [&](std::string_view piece) { r.decoded += piece.size(); }, bounds);
  if (!r.result)
    r.result = decoder.finish();
  r.elapsed = clock_type::now() - started;
  r.detail = decoder.error_detail();
  CHECK(decoder.decoded_size() == r.decoded);
  return r;
}

/// A bomb with a cap stops with too_large, having delivered exactly the cap (at most, through a
/// chain, where an inner stage may reach it first).
void check_cap(std::string_view field, std::string_view data, std::uint64_t cap) {
  content_decoder::limits bounds;
  bounds.max_decoded_size = cap;
  const bomb_result r = decode_bomb(field, data, bounds);
  CHECK(r.result == too_large);
  CHECK(r.detail == "decoded body exceeds " + std::to_string(cap) + " bytes");
  if (contains(field, ","))
    CHECK(r.decoded <= cap);
  else
    CHECK(r.decoded == cap); // everything up to the cap, nothing more
  CHECK(r.elapsed < std::chrono::seconds(10));
}

/// A bomb without a cap stops with operation_timedout soon after the deadline.
void check_deadline(std::string_view field, std::string_view data) {
  content_decoder::limits bounds;
  bounds.deadline = clock_type::now() + std::chrono::milliseconds(200);
  const bomb_result r = decode_bomb(field, data, bounds);
  CHECK(r.result == xfer::errc::operation_timedout);
  CHECK(r.detail == "the timeout was reached while decoding the body");
  CHECK(r.elapsed >= std::chrono::milliseconds(200));
  CHECK(r.elapsed < std::chrono::seconds(3));
  CHECK(r.decoded > 0);
}

} // namespace

TEST_CASE("content_decoder: the codings this build decodes", "[unit][decode]") {
  std::string expected;
  auto add = [&](std::string_view name) {
    if (!expected.empty())
      expected += ", ";
    expected += name;
  };
#if defined(XFER_HAS_ZLIB)
  add("gzip");
  add("deflate");
#endif
#if defined(XFER_HAS_BROTLI)
  add("br");
#endif
#if defined(XFER_HAS_ZSTD)
  add("zstd");
#endif
  WARN("content decoding built with: " << (expected.empty() ? "nothing" : expected));
  CHECK(content_decoder::accept_encoding_value() == expected);
  CHECK(content_decoder::supports(content_coding::gzip) == contains(expected, "gzip"));
  CHECK(content_decoder::supports(content_coding::deflate) == contains(expected, "deflate"));
  CHECK(content_decoder::supports(content_coding::br) == contains(expected, "br"));
  CHECK(content_decoder::supports(content_coding::zstd) == contains(expected, "zstd"));
  CHECK(static_cast<int>(xfer::errc::bad_content_encoding) == 61);
  CHECK(bad_encoding.message() == "Unrecognized or bad HTTP Content or Transfer-Encoding");
}

TEST_CASE("content_decoder: no coding, or only identity, leaves it inactive", "[unit][decode]") {
  content_decoder decoder;
  CHECK_FALSE(decoder.active());
  for (const std::string_view field : {"", "identity", " IDENTITY ,, none ", ",", " \t "}) {
    decoder.reset();
    CHECK_FALSE(decoder.start(field));
    CHECK_FALSE(decoder.active());
    CHECK(decoder.coding_count() == 0);
  }
  // Fed anyway, an inactive decoder passes the bytes through.
  std::string out;
  CHECK_FALSE(decoder.feed("as is", [&](std::string_view s) { out.append(s); }, {}));
  CHECK(out == "as is");
  CHECK_FALSE(decoder.finish());
}

TEST_CASE("content_decoder: unknown codings are refused with a clear detail", "[unit][decode]") {
  content_decoder decoder;
  CHECK(decoder.start("compress") == bad_encoding);
  CHECK(decoder.active());
  CHECK(contains(decoder.error_detail(), "unsupported Content-Encoding \"compress\""));
  CHECK(contains(decoder.error_detail(), "this build decodes"));

  decoder.reset();
  CHECK_FALSE(decoder.active());
  CHECK_FALSE(decoder.error());
  CHECK(decoder.start("gzip;q=1") == bad_encoding);
  CHECK(contains(decoder.error_detail(), "\"gzip;q=1\""));

  // Control characters and long names are not copied as they are.
  decoder.reset();
  CHECK(decoder.start(std::string("a\x01\x7f") + std::string(200, 'b')) == bad_encoding);
  CHECK(contains(decoder.error_detail(), "\"a??bbb"));
  CHECK(contains(decoder.error_detail(), "...\""));
  CHECK(decoder.error_detail().size() < 200);
}

TEST_CASE("content_decoder: a refused coding fails at the first body byte, not before",
          "[unit][decode]") {
  content_decoder decoder;
  std::string out;
  auto sink = [&](std::string_view s) { out.append(s); };
  // No body (HEAD, 204, 304, empty): nothing to decode, no error, as curl.
  CHECK(decoder.start("compress") == bad_encoding);
  CHECK_FALSE(decoder.feed("", sink, {}));
  CHECK_FALSE(decoder.finish());
  // A body byte: the error.
  CHECK(decoder.feed("x", sink, {}) == bad_encoding);
  CHECK(decoder.finish() == bad_encoding);
  CHECK(decoder.feed("y", sink, {}) == bad_encoding); // sticky
  CHECK(out.empty());
  // Once an error is kept, further field lines do not change it.
  CHECK(decoder.start("identity") == bad_encoding);
}

TEST_CASE("content_decoder: codings this build lacks name their library", "[unit][decode]") {
  content_decoder decoder;
#if !defined(XFER_HAS_ZLIB)
  CHECK(decoder.start("gzip") == bad_encoding);
  CHECK(contains(decoder.error_detail(), "XFER_HAS_ZLIB"));
  decoder.reset();
#endif
#if !defined(XFER_HAS_BROTLI)
  CHECK(decoder.start("br") == bad_encoding);
  CHECK(contains(decoder.error_detail(), "XFER_HAS_BROTLI"));
  decoder.reset();
#endif
#if !defined(XFER_HAS_ZSTD)
  CHECK(decoder.start("zstd") == bad_encoding);
  CHECK(contains(decoder.error_detail(), "XFER_HAS_ZSTD"));
  decoder.reset();
#endif
  CHECK_FALSE(decoder.error());
}

#if defined(XFER_HAS_ZLIB)

TEST_CASE("content_decoder: Content-Encoding lists are parsed like RFC 9110 lists",
          "[unit][decode][gzip]") {
  content_decoder decoder;
  CHECK_FALSE(decoder.start(" GZip\t,identity, ,x-gzip "));
  CHECK(decoder.active());
  CHECK(decoder.coding_count() == 2);
  // Field lines append: five in all are accepted, a sixth is refused.
  CHECK_FALSE(decoder.start("deflate,gzip"));
  CHECK_FALSE(decoder.start("identity, Deflate"));
  CHECK(decoder.coding_count() == 5);
  CHECK(decoder.start("gzip") == bad_encoding);
  CHECK(decoder.error_detail() == "Content-Encoding lists more than 5 codings");

  decoder.reset();
  CHECK(decoder.start("gzip, gzip, gzip, gzip, gzip, gzip") == bad_encoding);
  decoder.reset();
  CHECK_FALSE(decoder.start("gzip, gzip, identity, gzip, gzip, gzip"));
}

TEST_CASE("content_decoder: gzip round trips", "[unit][decode][gzip]") {
  const std::string body = sample_body(300 * 1024);
  const decoded d = decode_every_way("gzip", gzip(body));
  CHECK_FALSE(d.result);
  CHECK(difference(d.body, body) == "");
  CHECK(d.sink_calls >= body.size() / content_decoder::buffer_size);
  // "x-gzip", and the empty body compressed.
  CHECK(difference(decode_every_way("x-gzip", gzip(body)).body, body) == "");
  const decoded empty = decode_every_way("gzip", gzip(""));
  CHECK_FALSE(empty.result);
  CHECK(empty.body.empty());
  CHECK(empty.sink_calls == 0);
  // zlib-wrapped data labelled gzip is accepted, as curl does.
  CHECK(difference(decode_every_way("gzip", zlib_deflate(body)).body, body) == "");
}

TEST_CASE("content_decoder: gzip members are decoded one after the other", "[unit][decode][gzip]") {
  const decoded d = decode_every_way("gzip", gzip("first ") + gzip("") + gzip("second"));
  CHECK_FALSE(d.result);
  CHECK(d.body == "first second");
}

TEST_CASE("content_decoder: bytes after the gzip data are an error", "[unit][decode][gzip]") {
  for (const std::string_view garbage : {std::string_view("\0", 1), std::string_view("junk"),
                                         std::string_view("\x1f\x8b\x08 not a member")}) {
    const decoded d = decode_every_way("gzip", gzip("body") + std::string(garbage));
    CHECK(d.result == bad_encoding);
    CHECK(d.body == "body");
    CHECK(contains(d.detail, "Content-Encoding gzip"));
  }
}

TEST_CASE("content_decoder: deflate, zlib-wrapped or raw", "[unit][decode][deflate]") {
  const std::string body = sample_body(200 * 1024, 3);
  const decoded wrapped = decode_every_way("deflate", zlib_deflate(body));
  CHECK_FALSE(wrapped.result);
  CHECK(difference(wrapped.body, body) == "");
  const decoded raw = decode_every_way("deflate", raw_deflate(body));
  CHECK_FALSE(raw.result);
  CHECK(difference(raw.body, body) == "");
  // Empty bodies, and raw streams shorter than a zlib header.
  CHECK(decode_every_way("deflate", zlib_deflate("")).body.empty());
  CHECK(decode_every_way("deflate", raw_deflate("")).body.empty());
  CHECK(decode_every_way("deflate", raw_deflate("a")).body == "a");
}

TEST_CASE("content_decoder: what may follow a deflate stream", "[unit][decode][deflate]") {
  // After raw deflate, up to 4 bytes (a stray checksum) are tolerated, as curl does.
  CHECK_FALSE(decode_every_way("deflate", raw_deflate("raw") + "1234").result);
  CHECK(decode_every_way("deflate", raw_deflate("raw") + "12345").result == bad_encoding);
  // After a zlib stream, nothing.
  const decoded d = decode_every_way("deflate", zlib_deflate("wrapped") + "1");
  CHECK(d.result == bad_encoding);
  CHECK(d.body == "wrapped");
  CHECK(d.detail == "Content-Encoding deflate: data after the end of the deflate stream");
}

TEST_CASE("content_decoder: corrupt gzip and deflate data", "[unit][decode][gzip][deflate]") {
  const std::string body = sample_body(64 * 1024, 5);
  std::string flipped = gzip(body);
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x55);
  decoded d = decode_every_way("gzip", flipped);
  CHECK(d.result == bad_encoding);
  CHECK(contains(d.detail, "Content-Encoding gzip: corrupt data ("));

  std::string bad_crc = gzip(body);
  bad_crc[bad_crc.size() - 6] = static_cast<char>(bad_crc[bad_crc.size() - 6] ^ 1);
  d = decode_every_way("gzip", bad_crc);
  CHECK(d.result == bad_encoding);
  CHECK(d.detail == "Content-Encoding gzip: corrupt data (incorrect data check)");

  d = decode_every_way("gzip", "plain text, not gzip");
  CHECK(d.result == bad_encoding);
  CHECK(d.body.empty());

  std::string bad_adler = zlib_deflate(body);
  bad_adler.back() = static_cast<char>(bad_adler.back() ^ 1);
  CHECK(decode_every_way("deflate", bad_adler).result == bad_encoding);
  d = decode_every_way("deflate", "\x07 reserved block type");
  CHECK(d.result == bad_encoding);
  CHECK(d.detail == "Content-Encoding deflate: corrupt data (invalid block type)");
}

TEST_CASE("content_decoder: truncated gzip and deflate data", "[unit][decode][gzip][deflate]") {
  const std::string body = sample_body(100 * 1024, 9);
  const std::string gz = gzip(body);
  for (const std::size_t cut : {std::size_t{1}, std::size_t{5}, std::size_t{10}, gz.size() / 2,
                                gz.size() - 4, gz.size() - 1}) {
    const decoded d = decode_every_way("gzip", std::string_view(gz).substr(0, cut));
    CHECK(d.result == bad_encoding);
    CHECK(d.detail ==
          "Content-Encoding gzip: the body ended before the end of the compressed data");
    CHECK(body.compare(0, d.body.size(), d.body) == 0);
  }
  const std::string zd = zlib_deflate(body);
  CHECK(decode_every_way("deflate", std::string_view(zd).substr(0, 1)).result == bad_encoding);
  CHECK(decode_every_way("deflate", std::string_view(zd).substr(0, zd.size() - 1)).result ==
        bad_encoding);
  const std::string rd = raw_deflate(body);
  CHECK(decode_every_way("deflate", std::string_view(rd).substr(0, rd.size() - 1)).result ==
        bad_encoding);
}

TEST_CASE("content_decoder: the decoded size cap is exact", "[unit][decode][gzip]") {
  const std::string body = sample_body(100 * 1024, 11);
  const std::string gz = gzip(body);
  content_decoder::limits bounds;
  bounds.max_decoded_size = body.size();
  CHECK_FALSE(decode("gzip", gz, split::whole, bounds).result);
  CHECK_FALSE(decode("gzip", gz, split::bytes, bounds).result);
  bounds.max_decoded_size = body.size() - 1;
  for (const split how : {split::whole, split::bytes, split::random}) {
    const decoded d = decode("gzip", gz, how, bounds);
    CHECK(d.result == too_large);
    CHECK(d.detail == "decoded body exceeds " + std::to_string(body.size() - 1) + " bytes");
    CHECK(difference(d.body, std::string_view(body).substr(0, body.size() - 1)) == "");
  }
}

TEST_CASE("content_decoder: a gzip bomb stops at the cap, or at the deadline",
          "[unit][decode][gzip][bomb]") {
  const std::string bomb = gzip_zero_bomb(10 * 1024); // 10 GiB of zeros
  INFO("bomb: " << bomb.size() << " bytes");
  CHECK(bomb.size() < 16 * 1024 * 1024);
  check_cap("gzip", bomb, 64 * 1024 * 1024);
  check_deadline("gzip", bomb);
  // Nested: the outer gzip unpacks to the 10 MB bomb, the inner one to the cap.
  check_cap("gzip, gzip", gzip(bomb), 64 * 1024 * 1024);
}

TEST_CASE("content_decoder: a deadline already passed stops at the first step",
          "[unit][decode][gzip]") {
  content_decoder::limits bounds;
  bounds.deadline = clock_type::now() - std::chrono::milliseconds(1);
  const decoded d = decode("gzip", gzip("late"), split::whole, bounds);
  CHECK(d.result == xfer::errc::operation_timedout);
  CHECK(d.body.empty());
}

TEST_CASE("content_decoder: a sink may pause; resume offers the same piece again",
          "[unit][decode][gzip]") {
  const std::string body = sample_body(200 * 1024, 13);
  const std::string gz = gzip(body);
  content_decoder decoder;
  REQUIRE_FALSE(decoder.start("gzip"));
  std::string out;
  std::string refused;
  std::size_t calls = 0;
  auto sink = [&](std::string_view piece) {
    if (++calls % 2 == 1) { // refuse every other offer
      refused.assign(piece);
      return false;
    }
    if (!refused.empty())
      CHECK(difference(piece, refused) == ""); // the refused piece comes back first, unchanged
    refused.clear();
    out.append(piece);
    return true;
  };
  std::size_t pauses = 0;
  for (std::size_t at = 0; at < gz.size(); at += 1000) {
    REQUIRE_FALSE(decoder.feed(std::string_view(gz).substr(at, 1000), sink, {}));
    while (decoder.paused()) {
      ++pauses;
      CHECK(decoder.finish() == std::errc::operation_in_progress);
      REQUIRE_FALSE(decoder.resume(sink, {}));
    }
  }
  CHECK_FALSE(decoder.finish());
  CHECK(difference(out, body) == "");
  CHECK(decoder.decoded_size() == body.size());
  CHECK(pauses > 5);

  // Bytes fed while paused are kept and decoded after resume().
  decoder.reset();
  REQUIRE_FALSE(decoder.start("gzip"));
  out.clear();
  calls = 0;
  REQUIRE_FALSE(decoder.feed(std::string_view(gz).substr(0, gz.size() / 2), sink, {}));
  REQUIRE(decoder.paused());
  REQUIRE_FALSE(decoder.feed(std::string_view(gz).substr(gz.size() / 2), sink, {}));
  while (decoder.paused())
    REQUIRE_FALSE(decoder.resume(sink, {}));
  CHECK_FALSE(decoder.finish());
  CHECK(difference(out, body) == "");
}

TEST_CASE("content_decoder: one decoder serves response after response", "[unit][decode][gzip]") {
  content_decoder decoder;
  const std::string a = sample_body(50 * 1024, 1);
  const std::string b = sample_body(70 * 1024, 2);
  for (int round = 0; round < 3; ++round) {
    CHECK(difference(decode_with(decoder, {"gzip"}, gzip(a), split::random).body, a) == "");
    CHECK(difference(decode_with(decoder, {"deflate"}, raw_deflate(b), split::random).body, b) ==
          "");
    CHECK(decode_with(decoder, {"gzip"}, "corrupt", split::whole).result == bad_encoding);
    CHECK(decode_with(decoder, {"identity"}, "", split::whole).body.empty());
    CHECK(difference(
              decode_with(decoder, {"deflate, gzip"}, gzip(zlib_deflate(b)), split::random).body,
              b) == "");
  }
  decoder.release();
  CHECK(difference(decode_with(decoder, {"gzip"}, gzip(a), split::whole).body, a) == "");
}

#endif // XFER_HAS_ZLIB

#if defined(XFER_HAS_BROTLI) && defined(XFER_TEST_BROTLI_ENCODER)

TEST_CASE("content_decoder: br round trips", "[unit][decode][br]") {
  const std::string body = sample_body(300 * 1024, 21);
  for (const int quality : {0, 5, 9}) {
    const decoded d = decode_every_way("br", brotli(body, quality));
    CHECK_FALSE(d.result);
    CHECK(difference(d.body, body) == "");
  }
  const std::string small = body.substr(0, 40 * 1024); // quality 11 is slow to compress
  CHECK(difference(decode_every_way("br", brotli(small, 11)).body, small) == "");
  const decoded empty = decode_every_way("BR", brotli(""));
  CHECK_FALSE(empty.result);
  CHECK(empty.body.empty());
}

TEST_CASE("content_decoder: corrupt, truncated or trailed br data", "[unit][decode][br]") {
  const std::string body = sample_body(64 * 1024, 23);
  const std::string br = brotli(body);
  decoded d = decode_every_way("br", "this is not a brotli stream at all");
  CHECK(d.result == bad_encoding);
  CHECK(contains(d.detail, "Content-Encoding br: corrupt data ("));

  d = decode_every_way("br", br + "x");
  CHECK(d.result == bad_encoding);
  CHECK(difference(d.body, body) == "");
  CHECK(d.detail == "Content-Encoding br: data after the end of the brotli stream");

  for (const std::size_t cut : {std::size_t{1}, br.size() / 2, br.size() - 1}) {
    d = decode_every_way("br", std::string_view(br).substr(0, cut));
    CHECK(d.result == bad_encoding);
    CHECK(d.detail == "Content-Encoding br: the body ended before the end of the compressed data");
    CHECK(body.compare(0, d.body.size(), d.body) == 0);
  }
}

TEST_CASE("content_decoder: a br bomb stops at the cap and at the deadline",
          "[unit][decode][br][bomb]") {
  const std::string bomb = brotli_zero_bomb(1024); // 1 GiB of zeros
  INFO("bomb: " << bomb.size() << " bytes");
  check_cap("br", bomb, 16 * 1024 * 1024);
  check_deadline("br", bomb);
}

#endif // XFER_HAS_BROTLI

#if defined(XFER_HAS_ZSTD)

TEST_CASE("content_decoder: zstd round trips", "[unit][decode][zstd]") {
  const std::string body = sample_body(300 * 1024, 31);
  for (const int level : {1, 3, 19}) {
    const decoded d = decode_every_way("zstd", zstd(body, level));
    CHECK_FALSE(d.result);
    CHECK(difference(d.body, body) == "");
  }
  CHECK(decode_every_way("zstd", zstd("")).body.empty());
  // Several frames, and a skippable frame (magic 0x184D2A50, 4-byte length) between them.
  const std::string skippable("\x50\x2a\x4d\x18\x03\x00\x00\x00"
                              "abc",
                              11);
  const decoded d = decode_every_way("zstd", zstd("one ") + skippable + zstd("two"));
  CHECK_FALSE(d.result);
  CHECK(d.body == "one two");
}

TEST_CASE("content_decoder: corrupt, truncated or trailed zstd data", "[unit][decode][zstd]") {
  const std::string body = sample_body(64 * 1024, 33);
  const std::string z = zstd(body);
  decoded d = decode_every_way("zstd", "not zstd");
  CHECK(d.result == bad_encoding);
  CHECK(contains(d.detail, "Content-Encoding zstd: corrupt data ("));

  d = decode_every_way("zstd", z + "garbage");
  CHECK(d.result == bad_encoding);
  CHECK(difference(d.body, body) == "");

  for (const std::size_t cut : {std::size_t{1}, std::size_t{4}, z.size() / 2, z.size() - 1}) {
    d = decode_every_way("zstd", std::string_view(z).substr(0, cut));
    CHECK(d.result == bad_encoding);
    CHECK(d.detail ==
          "Content-Encoding zstd: the body ended before the end of the compressed data");
    CHECK(body.compare(0, d.body.size(), d.body) == 0);
  }
}

TEST_CASE("content_decoder: a zstd frame must decode to the size it declares",
          "[unit][decode][zstd]") {
  // Declares 213 bytes; an RLE block of 62, a raw block of 4, then an empty last block (which
  // libzstd's streaming path lets through when the frame arrives in pieces).
  const std::string frame("\x28\xb5\x2f\xfd\x20\xd5\xf2\x01\x00\x6e\x20\x00\x00\x00\x43\x04"
                          "\x47\x01\x00\x00",
                          20);
  for (const split how : {split::whole, split::bytes, split::random}) {
    const decoded d = decode("zstd", frame, how);
    CHECK(d.result == bad_encoding);
    CHECK(contains(d.detail, "Content-Encoding zstd: corrupt data ("));
  }
  // The same blocks declaring 66 bytes are fine.
  std::string right = frame;
  right[5] = 66;
  const decoded d = decode_every_way("zstd", right);
  CHECK_FALSE(d.result);
  CHECK(d.body.size() == 66);
}

TEST_CASE("content_decoder: frames of the pre-1.0 zstd formats are refused",
          "[unit][decode][zstd]") {
  // A v0.7 frame (magic 0xFD2FB527) holding "hello" in a raw block: libzstd's legacy decoder
  // would accept it; the zstd content coding (RFC 8878) does not.
  const std::string legacy("\x27\xb5\x2f\xfd\x00\x00\x40\x00\x05hello\xc0\x00\x00", 17);
  decoded d = decode_every_way("zstd", legacy);
  CHECK(d.result == bad_encoding);
  CHECK(d.detail == "Content-Encoding zstd: corrupt data (a frame of a pre-1.0 zstd format)");
  CHECK(d.body.empty());
  // Also after a good frame.
  d = decode_every_way("zstd", zstd("one ") + legacy);
  CHECK(d.result == bad_encoding);
  CHECK(d.body == "one ");
}

TEST_CASE("content_decoder: zstd windows over 8 MiB are refused", "[unit][decode][zstd]") {
  const std::string body = sample_body(64 * 1024, 35);
  const decoded ok = decode_every_way("zstd", zstd_with_window(body, 23));
  CHECK_FALSE(ok.result);
  CHECK(difference(ok.body, body) == "");
  const decoded big = decode_every_way("zstd", zstd_with_window(body, 24));
  CHECK(big.result == bad_encoding);
  CHECK(contains(big.detail, "Content-Encoding zstd: the frame needs a window larger than 8 MiB"));
  CHECK(big.body.empty());
}

TEST_CASE("content_decoder: a zstd bomb stops at the cap and at the deadline",
          "[unit][decode][zstd][bomb]") {
  const std::string bomb = zstd_zero_bomb(16); // 16 GiB of zeros
  INFO("bomb: " << bomb.size() << " bytes");
  check_cap("zstd", bomb, 16 * 1024 * 1024);
  check_deadline("zstd", bomb);
}

#endif // XFER_HAS_ZSTD

#if defined(XFER_HAS_ZLIB) && defined(XFER_HAS_BROTLI) && defined(XFER_TEST_BROTLI_ENCODER) &&     \
    defined(XFER_HAS_ZSTD)

TEST_CASE("content_decoder: chains decode from the last coding back to the first",
          "[unit][decode][chain]") {
  const std::string body = sample_body(150 * 1024, 41);
  // "gzip, br": gzip applied first, then br.
  decoded d = decode_every_way("gzip, br", brotli(gzip(body)));
  CHECK_FALSE(d.result);
  CHECK(difference(d.body, body) == "");
  d = decode_every_way("zstd, identity, deflate, gzip", gzip(raw_deflate(zstd(body))));
  CHECK_FALSE(d.result);
  CHECK(difference(d.body, body) == "");
  // Five codings, over two field lines.
  content_decoder decoder;
  const std::string five = zstd(brotli(gzip(zlib_deflate(gzip(body)))));
  for (const split how : {split::whole, split::bytes, split::random}) {
    d = decode_with(decoder, {"gzip, deflate", "gzip, br, zstd"}, five, how);
    CHECK_FALSE(d.result);
    CHECK(difference(d.body, body) == "");
  }
  // The order matters.
  CHECK(decode_every_way("br, gzip", brotli(gzip(body))).result == bad_encoding);
  // Corruption or truncation anywhere in a chain.
  std::string corrupt = brotli(gzip(body));
  corrupt[corrupt.size() / 2] = static_cast<char>(corrupt[corrupt.size() / 2] ^ 0x20);
  CHECK(decode_every_way("gzip, br", corrupt).result == bad_encoding);
  // An inner stream cut short, inside a complete outer one.
  const std::string gz = gzip(body);
  d = decode_every_way("gzip, zstd", zstd(std::string_view(gz).substr(0, gz.size() - 3)));
  CHECK(d.result == bad_encoding);
  CHECK(d.detail == "Content-Encoding gzip: the body ended before the end of the compressed data");
}

TEST_CASE("content_decoder: a chain pauses and resumes", "[unit][decode][chain]") {
  const std::string body = sample_body(120 * 1024, 43);
  const std::string data = zstd(brotli(gzip(body)));
  content_decoder decoder;
  REQUIRE_FALSE(decoder.start("gzip, br, zstd"));
  std::string out;
  std::size_t calls = 0;
  auto sink = [&](std::string_view piece) {
    if (++calls % 3 != 0)
      return false;
    out.append(piece);
    return true;
  };
  for (std::size_t at = 0; at < data.size(); at += 777) {
    REQUIRE_FALSE(decoder.feed(std::string_view(data).substr(at, 777), sink, {}));
    while (decoder.paused())
      REQUIRE_FALSE(decoder.resume(sink, {}));
  }
  CHECK_FALSE(decoder.finish());
  CHECK(difference(out, body) == "");
}

TEST_CASE("content_decoder: every stage of a chain is held to the cap",
          "[unit][decode][chain][bomb]") {
  // The zstd stage unpacks to a 10 MB gzip bomb, which unpacks to 10 GiB.
  check_cap("gzip, zstd", zstd(gzip_zero_bomb(10 * 1024)), 4 * 1024 * 1024);
}

#endif
