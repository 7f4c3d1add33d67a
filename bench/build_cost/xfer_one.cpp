// bench/build_cost/xfer_one.cpp - build-cost TU: one GET of argv[1] through <xfer.hpp>.
#include <xfer.hpp>

#include <chrono>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s URL [CA_FILE]\n", argv[0]);
    return 2;
  }
  xfer::multi m;
  xfer::transfer t{argv[1]};
  if (argc > 2) {
    xfer::tls_options tls;
    tls.ca_file = argv[2];
    t.set_tls_options(tls);
  }
  m.add(t);
  while (m.perform() > 0)
    m.poll(std::chrono::milliseconds(1000));
  if (t.result()) {
    std::fprintf(stderr, "error: %s\n", t.result().message().c_str());
    return 1;
  }
  std::printf("%d %zu\n", t.status(), t.body().size());
  return t.status() == 200 ? 0 : 1;
}
