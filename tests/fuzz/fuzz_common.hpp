// tests/fuzz/fuzz_common.hpp - helpers shared by xfer's fuzz targets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

/// Aborts (so that libFuzzer, or the replay under ctest, reports the input) when `cond` is
/// false: an invariant of the library under test is broken.
#define XFER_FUZZ_CHECK(cond)                                                                     \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      std::fprintf(stderr, "%s:%d: fuzz invariant broken: %s\n", __FILE__, __LINE__, #cond);     \
      std::fflush(stderr);                                                                        \
      __builtin_trap();                                                                           \
    }                                                                                             \
  } while (false)

namespace xfer_fuzz {

/// True when the environment variable XFER_FUZZ_ALLOW_KNOWN_BUGS is set (to anything but "0"):
/// the targets then tolerate the library bugs listed in known_crashes.txt, so that a long fuzzing
/// session explores past them instead of stopping at them again and again. Replays never set it.
inline bool allow_known_bugs() {
  static const bool allow = [] {
    const char* v = std::getenv("XFER_FUZZ_ALLOW_KNOWN_BUGS");
    return v != nullptr && v[0] != '\0' && !(v[0] == '0' && v[1] == '\0');
  }();
  return allow;
}

/// A small deterministic PRNG (splitmix64), seeded from the input.
struct rng {
  std::uint64_t state;
  explicit rng(std::uint64_t seed) : state(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// In [1, max].
  std::size_t piece(std::size_t max) { return 1 + static_cast<std::size_t>(next() % max); }
};

inline std::uint64_t hash(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull; // FNV-1a
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

/// Reads length-prefixed byte strings: one length byte, then that many bytes (fewer at the end).
struct reader {
  std::string_view rest;
  bool empty() const { return rest.empty(); }
  std::uint8_t byte() {
    if (rest.empty())
      return 0;
    const auto b = static_cast<std::uint8_t>(rest[0]);
    rest.remove_prefix(1);
    return b;
  }
  std::string_view bytes() {
    std::size_t n = byte();
    if (n > rest.size())
      n = rest.size();
    const std::string_view s = rest.substr(0, n);
    rest.remove_prefix(n);
    return s;
  }
};

} // namespace xfer_fuzz
