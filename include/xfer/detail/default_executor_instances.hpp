// xfer/detail/default_executor_instances.hpp - with XFER_SEPARATE_COMPILATION, the templates of
// the default executor (xfer::multi, xfer::transfer and their engine and connection) are
// declared `extern template`, so translation units that use them do not instantiate them: they
// are instantiated once, in the translation unit that includes <xfer/src.hpp>. Without
// XFER_SEPARATE_COMPILATION this header declares nothing.
#pragma once

#include <xfer/multi.hpp>

#if defined(XFER_SEPARATE_COMPILATION)

namespace xfer {

extern template class basic_transfer<asio::io_context::executor_type>;
extern template class basic_message<asio::io_context::executor_type>;
extern template class basic_multi<asio::io_context::executor_type>;

namespace detail {
extern template class engine<asio::io_context::executor_type>;
extern template class connection<asio::io_context::executor_type>;
} // namespace detail

} // namespace xfer

#endif
