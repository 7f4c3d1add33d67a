// tests/fuzz/replay_main.cpp - runs a libFuzzer target's LLVMFuzzerTestOneInput over saved inputs,
// without libFuzzer (any compiler), so that the corpora are regression tests.
//
// Usage: <target>_replay [--skip-list FILE] PATH...
// Each PATH is a file or a directory (its regular files, recursively, in sorted order).
// The skip list holds one entry a line ('#' starts a comment): an input is skipped when its
// path ends with "/" + entry, e.g. "fuzz_url/crash-empty-host" (known crashes, not yet fixed).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

std::vector<std::string> read_skip_list(const std::string& file) {
  std::vector<std::string> entries;
  std::ifstream in(file);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read skip list %s\n", file.c_str());
    std::exit(2);
  }
  std::string line;
  while (std::getline(in, line)) {
    if (const auto hash = line.find('#'); hash != std::string::npos)
      line.erase(hash);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
      line.pop_back();
    std::size_t first = line.find_first_not_of(" \t");
    if (first != std::string::npos)
      entries.push_back(line.substr(first));
  }
  return entries;
}

bool skipped(const std::string& path, const std::vector<std::string>& skip) {
  const std::string generic = fs::path(path).generic_string();
  for (const auto& entry : skip) {
    const std::string suffix = "/" + entry;
    if (generic == entry ||
        (generic.size() >= suffix.size() &&
         generic.compare(generic.size() - suffix.size(), suffix.size(), suffix) == 0))
      return true;
  }
  return false;
}

} // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::string> skip;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--skip-list" && i + 1 < argc) {
      const auto more = read_skip_list(argv[++i]);
      skip.insert(skip.end(), more.begin(), more.end());
      continue;
    }
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::recursive_directory_iterator(arg))
        if (e.is_regular_file())
          found.push_back(e.path().string());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(arg, ec)) {
      files.push_back(arg);
    } else {
      std::fprintf(stderr, "replay: no such file or directory: %s\n", arg.c_str());
      return 2;
    }
  }
  std::size_t ran = 0, skipped_count = 0;
  for (const auto& file : files) {
    if (skipped(file, skip)) {
      std::fprintf(stderr, "replay: skipping known crash %s\n", file.c_str());
      ++skipped_count;
      continue;
    }
    std::ifstream in(file, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    // An exact-size heap copy, so that a sanitizer sees any read past the end.
    std::unique_ptr<std::uint8_t[]> copy(new std::uint8_t[bytes.size() ? bytes.size() : 1]);
    if (!bytes.empty())
      std::memcpy(copy.get(), bytes.data(), bytes.size());
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(copy.get(), bytes.size());
    ++ran;
  }
  std::fprintf(stderr, "replay: %zu inputs ran, %zu known crashes skipped\n", ran, skipped_count);
  if (ran == 0 && skipped_count == 0) {
    std::fprintf(stderr, "replay: no input found\n");
    return 1;
  }
  return 0;
}
