// xfer/detail/impl/default_executor_instances.ipp - the one instantiation of the default
// executor's templates that default_executor_instances.hpp declares extern (from <xfer/src.hpp>).
#pragma once

#include <xfer/detail/default_executor_instances.hpp>

namespace xfer {

template class basic_transfer<asio::io_context::executor_type>;
template class basic_message<asio::io_context::executor_type>;
template class basic_multi<asio::io_context::executor_type>;

namespace detail {
template class engine<asio::io_context::executor_type>;
template class connection<asio::io_context::executor_type>;
} // namespace detail

} // namespace xfer
