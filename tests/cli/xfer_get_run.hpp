// Running xfer-get from the CLI tests: its path, command lines, and small file helpers.
#pragma once

#include "support/run_process.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace xfer::test {

/// The xfer-get built with these tests.
inline const char* xfer_get_path() {
#ifdef XFER_GET_PATH
  return XFER_GET_PATH;
#else
  return "xfer-get";
#endif
}

/// The command line "xfer-get ARGS...".
inline std::vector<std::string> xfer_get_command(std::vector<std::string> args) {
  args.insert(args.begin(), xfer_get_path());
  return args;
}

/// Runs "xfer-get ARGS..." and waits for it.
inline process_result xfer_get(std::vector<std::string> args, const process_options& options = {}) {
  return run_process(xfer_get_command(std::move(args)), options);
}

/// Runs several xfer-get command lines at once; results in the same order.
inline std::vector<process_result> xfer_get_all(const std::vector<std::vector<std::string>>& arg_lists,
                                                const process_options& options = {}) {
  std::vector<std::vector<std::string>> commands;
  for (const auto& args : arg_lists)
    commands.push_back(xfer_get_command(args));
  return run_processes(commands, options);
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read " + p.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_text(const std::filesystem::path& p, std::string_view content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out)
    throw std::runtime_error("cannot write " + p.string());
}

inline bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

/// The lines of `text` (LF-separated, without the LFs; no empty last line for a final LF).
inline std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    lines.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos)
      break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

} // namespace xfer::test
