#include <xfer/error.hpp>

#include <catch2/catch.hpp>

TEST_CASE("errc values equal curl's CURLcode numbers", "[unit][error]") {
  CHECK(static_cast<int>(xfer::errc::couldnt_resolve_host) == 6);
  CHECK(static_cast<int>(xfer::errc::couldnt_connect) == 7);
  CHECK(static_cast<int>(xfer::errc::weird_server_reply) == 8);
  CHECK(static_cast<int>(xfer::errc::partial_file) == 18);
  CHECK(static_cast<int>(xfer::errc::operation_timedout) == 28);
  CHECK(static_cast<int>(xfer::errc::got_nothing) == 52);
  CHECK(static_cast<int>(xfer::errc::send_error) == 55);
  CHECK(static_cast<int>(xfer::errc::recv_error) == 56);
  CHECK(static_cast<int>(xfer::errc::range_error) == 33);
  CHECK(static_cast<int>(xfer::errc::file_couldnt_read_file) == 37);
  CHECK(static_cast<int>(xfer::errc::interface_failed) == 45);
  CHECK(static_cast<int>(xfer::errc::bad_content_encoding) == 61);
  CHECK(static_cast<int>(xfer::errc::send_fail_rewind) == 65);
  CHECK(static_cast<int>(xfer::errc::login_denied) == 67);
  CHECK(static_cast<int>(xfer::errc::auth_error) == 94);
  CHECK(static_cast<int>(xfer::multi_errc::added_already) == 7);
  CHECK(static_cast<int>(xfer::multi_errc::recursive_api_call) == 8);
}

TEST_CASE("error codes carry readable messages and their own categories", "[unit][error]") {
  std::error_code ec = xfer::errc::couldnt_resolve_host;
  CHECK(ec.category().name() == std::string("xfer"));
  CHECK(ec.message() == "Could not resolve host name");
  std::error_code mec = xfer::multi_errc::recursive_api_call;
  CHECK(mec.category().name() == std::string("xfer.multi"));
  CHECK(mec.message() == "API function called from within a callback");
  CHECK(ec != mec);
  CHECK_FALSE(std::error_code(999, xfer::transfer_category()).message().empty());
}
