// xfer/headers.hpp - an ordered list of HTTP header fields with case-insensitive lookup.
#pragma once

#include <xfer/detail/config.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace xfer {

/// True when `a` and `b` are equal ignoring ASCII case (field names are case-insensitive).
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  if (!std::is_constant_evaluated() && a == b)
    return true; // the usual case: the same spelling, compared a word at a time
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z')
      x = static_cast<char>(x + ('a' - 'A'));
    if (y >= 'A' && y <= 'Z')
      y = static_cast<char>(y + ('a' - 'A'));
    if (x != y)
      return false;
  }
  return true;
}

/// Header fields in the order they were added; repeated names are kept, each
/// as its own field. All text lives in one buffer, so clear() keeps capacity
/// and a warm list takes no allocation when refilled.
class headers {
public:
  /// One field: views into the list's storage, valid until the list changes.
  struct field {
    std::string_view name;
    std::string_view value;
  };

  class const_iterator {
  public:
    using value_type = field;
    using difference_type = std::ptrdiff_t;
    const_iterator() = default;
    const_iterator(const headers* owner, std::size_t index) : owner_(owner), index_(index) {}
    field operator*() const { return owner_->at(index_); }
    const_iterator& operator++() {
      ++index_;
      return *this;
    }
    const_iterator operator++(int) {
      auto copy = *this;
      ++index_;
      return copy;
    }
    bool operator==(const const_iterator& other) const { return index_ == other.index_; }

  private:
    const headers* owner_ = nullptr;
    std::size_t index_ = 0;
  };

  /// Appends a field; an existing field of the same name is kept.
  void add(std::string_view name, std::string_view value) {
    entries_.push_back({text_.size(), name.size(), value.size()});
    text_.append(name);
    text_.append(value);
  }

  /// Replaces every field named `name` by one field with `value`.
  void set(std::string_view name, std::string_view value) {
    erase(name);
    add(name, value);
  }

  /// Removes every field named `name`; returns how many were removed.
  std::size_t erase(std::string_view name) {
    std::size_t removed = 0;
    for (std::size_t i = entries_.size(); i-- > 0;) {
      if (iequals(at(i).name, name)) {
        entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
        ++removed;
      }
    }
    return removed;
  }

  /// The value of the first field named `name`, if any.
  std::optional<std::string_view> find(std::string_view name) const {
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      field f = at(i);
      if (iequals(f.name, name))
        return f.value;
    }
    return std::nullopt;
  }

  /// Every value of the fields named `name`, in order.
  std::vector<std::string_view> find_all(std::string_view name) const {
    std::vector<std::string_view> values;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      field f = at(i);
      if (iequals(f.name, name))
        values.push_back(f.value);
    }
    return values;
  }

  /// Whether a field named `name` exists.
  bool contains(std::string_view name) const { return find(name).has_value(); }

  /// The i-th field in order of arrival.
  field at(std::size_t i) const {
    const entry& e = entries_[i];
    std::string_view all{text_};
    return {all.substr(e.offset, e.name_size), all.substr(e.offset + e.name_size, e.value_size)};
  }

  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  /// Removes every field, keeping the storage for reuse.
  void clear() noexcept {
    entries_.clear();
    text_.clear();
  }

  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, entries_.size()}; }

private:
  struct entry {
    std::size_t offset;
    std::size_t name_size;
    std::size_t value_size;
  };
  std::vector<entry> entries_;
  std::string text_;
};

} // namespace xfer
