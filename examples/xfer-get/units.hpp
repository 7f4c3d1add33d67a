// examples/xfer-get/units.hpp - byte counts, rates and durations as short human-readable text.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace xfer_get {

/// "512 B", "12.3 KiB", "4.0 MiB", "1.25 GiB": binary units, about three significant digits.
inline std::string format_bytes(double bytes) {
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024.0 && unit < 4) {
    bytes /= 1024.0;
    ++unit;
  }
  char text[32];
  if (unit == 0)
    std::snprintf(text, sizeof text, "%.0f B", bytes);
  else
    std::snprintf(text, sizeof text, "%.*f %s", bytes < 10.0 ? 2 : bytes < 100.0 ? 1 : 0, bytes,
                  units[unit]);
  return text;
}

inline std::string format_bytes(std::uint64_t bytes) {
  return format_bytes(static_cast<double>(bytes));
}

/// A transfer rate; "-" when no time has passed yet.
inline std::string format_rate(std::uint64_t bytes, double seconds) {
  if (seconds <= 0.0)
    return "-";
  return format_bytes(static_cast<double>(bytes) / seconds) + "/s";
}

/// "0.84 s", "12.3 s", "3m05s".
inline std::string format_seconds(double seconds) {
  char text[32];
  if (seconds < 10.0)
    std::snprintf(text, sizeof text, "%.2f s", seconds);
  else if (seconds < 100.0)
    std::snprintf(text, sizeof text, "%.1f s", seconds);
  else {
    const auto whole = static_cast<long long>(seconds);
    std::snprintf(text, sizeof text, "%lldm%02llds", whole / 60, whole % 60);
  }
  return text;
}

} // namespace xfer_get
