// xfer/detail/ref_counted.hpp - single-threaded intrusive reference counting for engine objects.
#pragma once

#include <cstddef>
#include <utility>

namespace xfer::detail {

/// Base for objects shared between their owner and pending asynchronous
/// operations. The count is not atomic: a multi and everything it owns is
/// used from one thread at a time.
class ref_counted {
public:
  ref_counted() = default;
  ref_counted(const ref_counted&) = delete;
  ref_counted& operator=(const ref_counted&) = delete;

protected:
  virtual ~ref_counted() = default;

private:
  template <class T>
  friend class ref;
  std::size_t references_ = 0;
};

/// An owning pointer to a ref_counted object; 8 bytes, so a handler that
/// captures one stays small enough for Asio's handler recycling.
template <class T>
class ref {
public:
  ref() noexcept = default;
  explicit ref(T* p) noexcept : p_(p) { acquire(); }
  ref(const ref& other) noexcept : p_(other.p_) { acquire(); }
  ref(ref&& other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  ref& operator=(ref other) noexcept {
    std::swap(p_, other.p_);
    return *this;
  }
  ~ref() { release(); }

  T* get() const noexcept { return p_; }
  T* operator->() const noexcept { return p_; }
  T& operator*() const noexcept { return *p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }
  void reset() noexcept { ref().swap(*this); }
  void swap(ref& other) noexcept { std::swap(p_, other.p_); }
  friend bool operator==(const ref& a, const ref& b) noexcept { return a.p_ == b.p_; }

private:
  void acquire() noexcept {
    if (p_)
      ++static_cast<ref_counted*>(p_)->references_;
  }
  void release() noexcept {
    if (p_ && --static_cast<ref_counted*>(p_)->references_ == 0)
      delete static_cast<ref_counted*>(p_);
  }
  T* p_ = nullptr;
};

/// Creates a T owned by the returned ref.
template <class T, class... Args>
ref<T> make_ref(Args&&... args) {
  return ref<T>(new T(std::forward<Args>(args)...));
}

} // namespace xfer::detail
