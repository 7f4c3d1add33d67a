// Runs one transfer to a closed port of 127.0.0.1: it must fail with couldnt_connect, which
// exercises the multi loop, the connection and the error category of the packaged headers.
#include <xfer.hpp>

#include <cstdio>

int main() {
  xfer::multi m;
  xfer::transfer t{"http://127.0.0.1:1/"};
  m.add(t);
  while (m.perform() > 0)
    m.poll(std::chrono::milliseconds(100));
  const auto msg = m.info_read();
  if (!msg || msg->result() != xfer::errc::couldnt_connect) {
    std::fprintf(stderr, "expected couldnt_connect\n");
    return 1;
  }
  std::printf("xfer %s: %s\n", XFER_VERSION_STRING, msg->result().message().c_str());
  return 0;
}
