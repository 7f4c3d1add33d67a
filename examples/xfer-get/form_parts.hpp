// examples/xfer-get/form_parts.hpp - -F arguments turned into a multipart form, as curl reads them.
#pragma once

#include <xfer/multipart.hpp>

#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace xfer_get {

/// A file that -F names cannot be read: the transfer fails before it starts, with curl's
/// read_error (26).
class unreadable_form_file : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Builds the form of -F arguments: NAME=VALUE is a field, NAME=@FILE a file
/// part streamed from disk, NAME=<FILE a field holding FILE's content; after a
/// file, ";type=T" sets its content type and ";filename=N" the name sent.
/// Throws unreadable_form_file for a file that cannot be opened.
inline xfer::multipart_form build_form(const std::vector<std::string>& arguments) {
  xfer::multipart_form form;
  for (const std::string& argument : arguments) {
    const std::size_t eq = argument.find('=');
    const std::string name = argument.substr(0, eq);
    std::string_view content = std::string_view(argument).substr(eq + 1);
    if (content.empty() || (content[0] != '@' && content[0] != '<')) {
      form.add_field(name, content);
      continue;
    }
    const bool file_part = content[0] == '@';
    content.remove_prefix(1);
    std::string path(content.substr(0, content.find(';')));
    std::string type;
    std::optional<std::string> filename;
    for (std::size_t at = content.find(';'); at != std::string_view::npos;) {
      const std::size_t next = content.find(';', at + 1);
      const std::string_view attribute = content.substr(at + 1, next == std::string_view::npos ? next : next - at - 1);
      if (attribute.starts_with("type="))
        type = attribute.substr(5);
      else if (attribute.starts_with("filename="))
        filename = std::string(attribute.substr(9));
      at = next;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in)
      throw unreadable_form_file("Failed to open/read local data from file \"" + path + "\"");
    if (file_part) {
      form.add_file(name, path, filename ? std::optional<std::string_view>(*filename) : std::nullopt, type);
      continue;
    }
    form.add_field(name, std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()), type);
  }
  return form;
}

} // namespace xfer_get
