// Compiles Asio's and asio::ssl's non-template bodies once for the whole test suite.
#include <asio/impl/src.hpp>
#include <asio/ssl/impl/src.hpp>
