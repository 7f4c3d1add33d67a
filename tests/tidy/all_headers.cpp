// Includes every public header and instantiates the main templates, for clang-tidy.
#include <xfer.hpp>
#include <xfer/detail/auth_challenge.hpp>
#include <xfer/detail/base64.hpp>
#include <xfer/detail/basic_auth.hpp>
#include <xfer/detail/digest_auth.hpp>

#include <asio/use_future.hpp>

int main() {
  xfer::multi m;
  xfer::transfer t{"http://127.0.0.1:1/"};
  m.add(t);
  m.perform();
  m.poll(std::chrono::milliseconds(1));
  while (auto msg = m.info_read())
    (void)msg->result();
  m.remove(t);
  auto status = m.async_perform(t, asio::use_future);
  (void)status;
}
