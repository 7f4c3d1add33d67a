# bench/lib/facts.sh - machine and software facts for RESULTS.md, as "key<TAB>value" lines in $facts.
# Sourced by bench/run; expects $root and $facts.

bench_fact() { printf '%s\t%s\n' "$1" "$2" >>"$facts"; }

bench_facts() {
  local nginx
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
  bench_fact date "$(date -u '+%Y-%m-%d %H:%M UTC')"
  bench_fact cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  bench_fact cores "$(nproc)"
  bench_fact memory "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  bench_fact kernel "$(uname -sr)"
  bench_fact compiler "$(${CXX:-c++} --version | head -n 1)"
  bench_fact nginx "$("$nginx" -v 2>&1 | sed 's/.*version: //')"
  bench_fact libcurl "$(pkg-config --modversion libcurl 2>/dev/null || echo unknown)"
  bench_fact openssl "$(openssl version)"
  bench_fact asio "$(awk '/define ASIO_VERSION / {printf "%d.%d.%d", $3 / 100000, $3 / 100 % 1000, $3 % 100}' /usr/include/asio/version.hpp)"
  bench_fact wrk "$(dpkg-query -W -f='${Version}' wrk 2>/dev/null)"
  bench_fact commit "$(git -C "$root" rev-parse --short HEAD 2>/dev/null)$(git -C "$root" diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes')"
}

# The load average now, under KEY: other work on the machine shows up here.
bench_load() { bench_fact "$1" "$(cut -d' ' -f1-3 /proc/loadavg)"; }
