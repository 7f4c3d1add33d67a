// examples/xfer-get/progress.hpp - progress bars on a terminal's stderr, one per running transfer.
#pragma once

#include "units.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace xfer_get {

/// What a bar shows of one running transfer.
struct bar_state {
  std::string_view name;
  std::uint64_t bytes = 0;
  std::optional<std::uint64_t> total; ///< from Content-Length, when the response has one
  double seconds = 0;                 ///< since the transfer started
};

/// A block of bars at the bottom of the terminal, redrawn in place with ANSI cursor movement.
/// Whatever else goes to stderr while bars are shown must call clear() first, or the next
/// redraw overwrites it.
class progress_display {
public:
  using clock = std::chrono::steady_clock;

  explicit progress_display(bool enabled) : enabled_(enabled) {}

  bool enabled() const noexcept { return enabled_; }

  /// Whether a redraw is due: at most ten per second.
  bool due(clock::time_point now) const noexcept {
    return enabled_ && now - last_draw_ >= std::chrono::milliseconds(100);
  }

  /// Replaces the block with one line per bar and then `footer`, if not empty; bars that do
  /// not fit the screen are counted instead.
  void draw(std::span<const bar_state> bars, std::string_view footer, clock::time_point now) {
    if (!enabled_)
      return;
    last_draw_ = now;
    const int width = std::max(20, columns() - 1); // never the last column: no auto-wrap
    const int reserved = footer.empty() ? 2 : 3; // the footer and a line for the prompt
    const std::size_t room = static_cast<std::size_t>(std::max(2, rows() - reserved));
    std::size_t shown = bars.size();
    if (shown > room)
      shown = room - 1;
    std::size_t name_width = 8;
    for (std::size_t i = 0; i < shown; ++i)
      name_width = std::max(name_width, bars[i].name.size());
    name_width = std::min<std::size_t>(name_width, static_cast<std::size_t>(width) / 3);

    std::string frame = move_to_block_start();
    for (std::size_t i = 0; i < shown; ++i)
      frame += render(bars[i], name_width, static_cast<std::size_t>(width), now) + "\x1b[K\n";
    if (shown < bars.size())
      frame += "  ... and " + std::to_string(bars.size() - shown) + " more\x1b[K\n";
    if (!footer.empty())
      frame += std::string(footer.substr(0, static_cast<std::size_t>(width))) + "\x1b[K\n";
    frame += "\x1b[J"; // erases lines left over from a taller block
    lines_ = static_cast<int>(shown + (shown < bars.size() ? 1 : 0) + (footer.empty() ? 0 : 1));
    put(frame);
  }

  /// Erases the block; the cursor is left where it began.
  void clear() {
    if (!enabled_ || lines_ == 0)
      return;
    put(move_to_block_start() + "\x1b[J");
    lines_ = 0;
  }

  /// Erases the block and prints `summary` (when not empty) as a line of its own.
  void finish(std::string_view summary) {
    if (!enabled_)
      return;
    clear();
    if (!summary.empty())
      put(std::string(summary) + "\n");
  }

private:
  static int columns() {
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
      return ws.ws_col;
    return 80;
  }

  static int rows() {
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
      return ws.ws_row;
    return 24;
  }

  std::string move_to_block_start() const {
    return lines_ > 0 ? "\x1b[" + std::to_string(lines_) + "A\r" : std::string("\r");
  }

  /// "name  [=====>     ]  45%   1.20 MiB   3.10 MiB/s", at most `width` columns.
  static std::string render(const bar_state& b, std::size_t name_width, std::size_t width,
                            clock::time_point now) {
    std::string name(b.name);
    if (name.size() > name_width)
      name = ".." + name.substr(name.size() - (name_width - 2));
    name.resize(name_width, ' ');

    char right[64];
    const std::string done = format_bytes(b.bytes);
    const std::string rate = format_rate(b.bytes, b.seconds);
    if (b.total && *b.total > 0) {
      const auto percent = static_cast<int>(std::min<std::uint64_t>(100, b.bytes * 100 / *b.total));
      std::snprintf(right, sizeof right, " %3d%% %10s %12s", percent, done.c_str(), rate.c_str());
    } else {
      std::snprintf(right, sizeof right, "      %10s %12s", done.c_str(), rate.c_str());
    }

    std::string line = name;
    const std::size_t fixed = name.size() + 3 + std::string_view(right).size();
    if (width > fixed + 10) {
      const std::size_t inner = std::min<std::size_t>(width - fixed, 50);
      std::string bar(inner, ' ');
      if (b.total && *b.total > 0) {
        const auto filled = static_cast<std::size_t>(
            static_cast<double>(inner) *
            std::min(1.0, static_cast<double>(b.bytes) / static_cast<double>(*b.total)));
        std::fill_n(bar.begin(), filled, '=');
        if (filled < inner)
          bar[filled] = '>';
      } else if (inner >= 3) {
        // No size known: a marker that bounces to show that bytes still arrive.
        using tenths = std::chrono::duration<std::int64_t, std::deci>;
        const auto tick = static_cast<std::size_t>(
            std::chrono::duration_cast<tenths>(now.time_since_epoch()).count());
        const std::size_t span = inner - 3;
        const std::size_t step = span == 0 ? 0 : tick % (2 * span);
        const std::size_t pos = step <= span ? step : 2 * span - step;
        bar.replace(pos, 3, "<=>");
      }
      line += " [" + bar + "]";
    }
    line += right;
    if (line.size() > width)
      line.resize(width);
    return line;
  }

  static void put(std::string_view text) {
    while (!text.empty()) {
      const auto n = ::write(STDERR_FILENO, text.data(), text.size());
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      text.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  bool enabled_;
  int lines_ = 0;
  clock::time_point last_draw_{};
};

} // namespace xfer_get
