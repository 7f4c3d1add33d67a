// xfer/detail/cookie_link.hpp - a multi's cookie jar as its transfers use it.
#pragma once

#include <xfer/cookie_jar.hpp>
#include <xfer/detail/transfer_impl.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace xfer::detail {

/// Forwards transfers' cookie traffic to the multi's jar. One per engine, so
/// that transfers keep a stable pointer while the jar is replaced or removed.
class cookie_link final : public cookie_source {
public:
  void set_jar(std::shared_ptr<cookie_jar> jar) noexcept { jar_ = std::move(jar); }
  const std::shared_ptr<cookie_jar>& jar() const noexcept { return jar_; }

  void append_cookie_header(const url& target, std::string& out) override {
    if (jar_)
      jar_->append_cookie_header(target, out);
  }
  void store_set_cookie(const url& target, std::string_view set_cookie) override {
    if (jar_)
      jar_->set_from_header(target, set_cookie);
  }

private:
  std::shared_ptr<cookie_jar> jar_;
};

} // namespace xfer::detail
