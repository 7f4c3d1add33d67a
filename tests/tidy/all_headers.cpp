// Includes every public header and instantiates the main templates, for clang-tidy.
#include <xfer.hpp>
#include <xfer/detail/http_date.hpp>
#include <xfer/detail/public_suffix.hpp>

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
