// examples/xfer-get/data_parts.hpp - the -d family's arguments made into request body parts, as curl
// reads them.
#pragma once

#include "escape.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

namespace xfer_get {

/// Which option gave a data argument.
enum class data_kind {
  text,      ///< -d, --data: @FILE is read without its CR and LF bytes
  binary,    ///< --data-binary: @FILE is read unchanged
  raw,       ///< --data-raw: no @FILE, the argument as it is
  urlencode, ///< --data-urlencode: CONTENT, =CONTENT, NAME=CONTENT, @FILE or NAME@FILE, encoded
             ///< with a space as '+' (curl 7.88)
};

/// A file's content, or stdin's for "-"; nullopt when it cannot be opened.
inline std::optional<std::string> read_whole_file(const std::string& name) {
  if (name == "-")
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  std::ifstream in(name, std::ios::binary);
  if (!in)
    return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// The body part one data argument stands for. A file that cannot be read gives an empty
/// part and sets `unreadable` to its name (curl warns and sends the rest).
inline std::string data_part(data_kind kind, std::string_view argument, std::string& unreadable) {
  const auto read = [&](std::string_view file) {
    auto content = read_whole_file(std::string(file));
    if (!content)
      unreadable = file;
    return content.value_or(std::string());
  };
  switch (kind) {
  case data_kind::raw:
    return std::string(argument);
  case data_kind::text:
  case data_kind::binary: {
    if (!argument.starts_with('@'))
      return std::string(argument);
    std::string part = read(argument.substr(1));
    if (kind == data_kind::text)
      std::erase_if(part, [](char c) { return c == '\r' || c == '\n'; });
    return part;
  }
  case data_kind::urlencode: {
    const auto encode = [](std::string_view text) { return percent_encode(text, space_as::plus); };
    const auto at = argument.find_first_of("=@");
    if (at == std::string_view::npos)
      return encode(argument);
    const std::string_view name = argument.substr(0, at);
    const std::string content =
        argument[at] == '@' ? read(argument.substr(at + 1)) : std::string(argument.substr(at + 1));
    return name.empty() ? encode(content) : std::string(name) + "=" + encode(content);
  }
  }
  return {};
}

} // namespace xfer_get
