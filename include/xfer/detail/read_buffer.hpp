// xfer/detail/read_buffer.hpp - a connection's flat read buffer that grows only while data streams in.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>

namespace xfer::detail {

/// Bytes read from a socket and not yet consumed by the parser, in one
/// contiguous block. It starts small (an idle or slow connection stays
/// cheap) and grows by four each time a read fills all the free space, up to
/// max_capacity, so a bulk body is read with few system calls. Storage is
/// allocated on the first prepare() and kept for the connection's life.
class read_buffer {
public:
  static constexpr std::size_t initial_capacity = std::size_t{4} * 1024;
  static constexpr std::size_t max_capacity = std::size_t{1024} * 1024;

  /// The unconsumed bytes.
  std::string_view data() const noexcept { return {storage_.get() + begin_, end_ - begin_}; }
  std::size_t size() const noexcept { return end_ - begin_; }
  std::size_t capacity() const noexcept { return capacity_; }

  /// Free space after the unconsumed bytes, for the next read.
  std::span<char> prepare() {
    if (!storage_)
      reallocate(initial_capacity);
    offered_ = capacity_ - end_;
    return {storage_.get() + end_, offered_};
  }

  /// `n` bytes were read into the space given by prepare().
  void commit(std::size_t n) noexcept {
    end_ += n;
    filled_ = n > 0 && n == offered_;
  }

  /// The parser used `n` bytes.
  void consume(std::size_t n) noexcept {
    begin_ += n;
    if (begin_ == end_)
      begin_ = end_ = 0;
  }

  /// Makes free space for the next read: moves unconsumed bytes to the front
  /// and grows when the last read filled the buffer. False when the buffer
  /// is full at max_capacity (the unconsumed bytes alone fill it).
  bool make_room() {
    if (filled_ && capacity_ < max_capacity) {
      reallocate(std::min(capacity_ * 4, max_capacity));
      filled_ = false;
      return true;
    }
    if (begin_ > 0) {
      std::memmove(storage_.get(), storage_.get() + begin_, size());
      end_ -= begin_;
      begin_ = 0;
    }
    return end_ < capacity_;
  }

private:
  void reallocate(std::size_t capacity) {
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
    if (storage_)
      std::memcpy(bigger.get(), storage_.get() + begin_, size());
    end_ -= begin_;
    begin_ = 0;
    storage_ = std::move(bigger);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> storage_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t offered_ = 0;
  bool filled_ = false;
};

} // namespace xfer::detail
