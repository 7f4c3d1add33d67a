// bench/build_cost/asio_src.cpp - Asio and asio::ssl compiled once, for the ASIO_SEPARATE_COMPILATION column.
#include <asio/impl/src.hpp>
#include <asio/ssl/impl/src.hpp>
