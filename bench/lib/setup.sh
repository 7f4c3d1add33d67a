# bench/lib/setup.sh - installs what the benchmarks need (Debian packages, only when missing) and builds build/bench.
# Sourced by bench/run and bench/profile; expects $root (the repository).

# Installs the given Debian packages that are not installed yet.
bench_install_missing() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "bench: installing ${missing[*]}" >&2
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# Everything bench/run uses; nginx-light unless some nginx package is there already.
bench_install_all() {
  local packages=(g++ cmake make pkg-config libasio-dev libssl-dev openssl libcurl4-openssl-dev
                  wrk util-linux time python3 "$@")
  dpkg-query -W -f='${Status}' nginx 2>/dev/null | grep -q "install ok installed" ||
    packages+=(nginx-light)
  bench_install_missing "${packages[@]}"
}

# Configures and builds the release build dir build/bench with the bench targets.
bench_build() {
  grep -q 'add_subdirectory(bench)' "$root/CMakeLists.txt" || {
    echo "bench: the top-level CMakeLists.txt does not add bench/ (XFER_BUILD_BENCH)" >&2
    return 1
  }
  local generator=()
  [ -f "$root/build/bench/CMakeCache.txt" ] || ! command -v ninja >/dev/null || generator=(-G Ninja)
  cmake -S "$root" -B "$root/build/bench" "${generator[@]}" -DXFER_BUILD_BENCH=ON \
    -DXFER_BUILD_TESTS=OFF -DXFER_BUILD_EXAMPLES=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$root/build/bench" -j "$(nproc)" --target xfer-bench curl-bench bench-slow-server \
    >"$root/build/bench/bench-build.log" 2>&1 || {
    tail -40 "$root/build/bench/bench-build.log" >&2
    return 1
  }
  bench_bin="$root/build/bench/bench"
}
