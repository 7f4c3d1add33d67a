# bench/lib/rounds.sh - runs the clients, wrk and the compiler, appending one JSON line per run to $results.
# Sourced by bench/run; expects $bench_bin, $work, $results and $here. Clients and wrk run on CPU 1.

# Runs CLIENT (xfer or curl) once with ARGS, tagged with SCENARIO and ROUND (0: warm-up, not kept).
bench_client() {
  local scenario=$1 round=$2 client=$3 out line rc=0
  shift 3
  out=$(timeout 300 taskset -c 1 "$bench_bin/$client-bench" "$@" 2>>"$work/clients.log") || rc=$?
  line=$(printf '%s\n' "$out" | grep '^{' | tail -n 1 || true)
  [ -n "$line" ] || line="{\"client\":\"$client\",\"failed\":true}"
  bench_last_seconds=$(printf '%s\n' "$line" | sed -n 's/.*"seconds":\([0-9.]*\).*/\1/p')
  line="{\"scenario\":\"$scenario\",\"round\":$round,\"exit\":$rc,${line#\{}"
  [ "$round" -eq 0 ] && return 0
  printf '%s\n' "$line" >>"$results"
  printf '  %s\n' "$line"
}

# Prints REQUESTS, or fewer when 2 x ROUNDS runs at the warm-up's pace (WARMUP requests in
# SECONDS) would take longer than ALLOWED seconds: a busy machine must not stretch the run.
bench_fit_requests() {
  awk -v n="$1" -v rounds="$2" -v warmup="$3" -v seconds="$4" -v allowed="$5" 'BEGIN {
    fit = int(allowed / (2 * rounds * seconds / warmup))
    if (seconds <= 0 || fit >= n) { print n; exit }
    scale = 10 ^ int(log(fit > 1 ? fit : 1) / log(10) - 1)   # keep two significant digits
    fit = int(fit / scale) * scale
    print fit < 1 ? 1 : fit
  }'
}

# Alternates xfer and libcurl for ROUNDS rounds (the order flips every round) after a warm-up of
# each with WARMUP requests, with N requests per run, fewer if they would not fit in ALLOWED
# seconds (then "SCENARIO.note" says so). ARGS follow --requests; they give --url and --parallel.
bench_ab() {
  local scenario=$1 rounds=$2 warmup=$3 requests=$4 allowed=$5 r pace fit
  shift 5
  echo "== $scenario: $requests requests, $*"
  bench_client "$scenario" 0 xfer --requests "$warmup" "$@"
  pace=${bench_last_seconds:-0}
  bench_client "$scenario" 0 curl --requests "$warmup" "$@"
  # The faster warm-up sets the pace: the first one also warms caches up.
  pace=$(awk -v a="$pace" -v b="${bench_last_seconds:-0}" 'BEGIN { print (a > 0 && a < b ? a : b) }')
  fit=$(bench_fit_requests "$requests" "$rounds" "$warmup" "$pace" "$allowed")
  if [ "$fit" -lt "$requests" ]; then
    echo "   (a warm-up of $warmup requests took $pace s: $fit requests per run, not $requests)"
    printf '%s.note\t%s\n' "$scenario" "N was cut from $requests to $fit requests per run to keep the \
whole run under 10 minutes: a warm-up of $warmup requests took $pace s on this (busy) machine" >>"$facts"
    requests=$fit
  fi
  for r in $(seq "$rounds"); do
    if [ $((r % 2)) -eq 1 ]; then
      bench_client "$scenario" "$r" xfer --requests "$requests" "$@"
      bench_client "$scenario" "$r" curl --requests "$requests" "$@"
    else
      bench_client "$scenario" "$r" curl --requests "$requests" "$@"
      bench_client "$scenario" "$r" xfer --requests "$requests" "$@"
    fi
  done
}

# The same for --hold runs (scenario e): TRANSFERS held at once against URL.
bench_ab_hold() {
  local scenario=$1 rounds=$2 transfers=$3 url=$4 r
  echo "== $scenario: $transfers transfers held"
  for r in $(seq "$rounds"); do
    if [ $((r % 2)) -eq 1 ]; then
      bench_client "$scenario" "$r" xfer --url "$url" --parallel "$transfers" --hold
      bench_client "$scenario" "$r" curl --url "$url" --parallel "$transfers" --hold
    else
      bench_client "$scenario" "$r" curl --url "$url" --parallel "$transfers" --hold
      bench_client "$scenario" "$r" xfer --url "$url" --parallel "$transfers" --hold
    fi
  done
}

# wrk with one thread and CONNECTIONS connections for SECONDS against URL: the limit column.
bench_wrk() {
  local scenario=$1 connections=$2 seconds=$3 url=$4 line
  taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" --timeout 30s "$url" >"$work/wrk-$scenario.txt" 2>&1 || true
  line=$(python3 "$here/lib/wrk_to_json.py" "$scenario" "$connections" <"$work/wrk-$scenario.txt")
  printf '%s\n' "$line" >>"$results"
  printf '  %s\n' "$line"
}

# Compiles one TU on CPU 1 under /usr/bin/time; appends its wall and CPU seconds and peak memory as CLIENT.
bench_compile() {
  local round=$1 client=$2 seconds peak user sys rc=0
  shift 2
  /usr/bin/time -o "$work/time.txt" -f "%e %M %U %S" taskset -c 1 "$@" >>"$work/compile.log" 2>&1 || rc=$?
  read -r seconds peak user sys < <(tail -n 1 "$work/time.txt")
  printf '{"scenario":"f","round":%s,"client":"%s","exit":%s,"seconds":%s,"peak_kb":%s,"cpu_s":%s}\n' \
    "$round" "$client" "$rc" "$seconds" "$peak" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" |
    tee -a "$results" | sed 's/^/  /'
}

# Scenario f: compile time and peak memory of the build_cost TUs. The xfer and bare-Asio TUs
# alternate, REPS times at most; the xfer TU with ASIO_SEPARATE_COMPILATION is compiled SEP_REPS
# times (0: skipped), after the first rep. No rep starts that would end past DEADLINE (epoch s).
bench_build_cost() {
  local reps=$1 sep_reps=$2 deadline=$3 r name out rep_start rep_time=0 done_reps=0
  local cxx=${CXX:-c++}
  local flags=(-std=c++20 -O2 -DNDEBUG -DASIO_STANDALONE -DASIO_NO_DEPRECATED -I"$root/include")
  local dir="$work/build_cost" src="$here/build_cost"
  mkdir -p "$dir"
  echo "== f: compile cost, up to $reps rep(s) of: $cxx ${flags[*]} -c TU"
  printf 'f.flags\t%s\n' "$cxx ${flags[*]/#-I$root\//-I} -c" >>"$facts" # repository-relative in the report
  local names=(xfer asio)
  for r in $(seq "$reps"); do
    [ "$r" -gt 1 ] && [ $(($(date +%s) + rep_time)) -gt "$deadline" ] && break
    rep_start=$(date +%s)
    bench_compile "$r" xfer "$cxx" "${flags[@]}" -c "$src/xfer_one.cpp" -o "$dir/xfer.o"
    bench_compile "$r" asio "$cxx" "${flags[@]}" -c "$src/asio_one.cpp" -o "$dir/asio.o"
    rep_time=$(($(date +%s) - rep_start))
    done_reps=$r
    if [ "$r" -eq 1 ] && [ "$sep_reps" -gt 0 ]; then
      names+=(xfer_sep)
      local k
      for k in $(seq "$sep_reps"); do
        bench_compile "$k" xfer_sep "$cxx" "${flags[@]}" -DASIO_SEPARATE_COMPILATION \
          -c "$src/xfer_one.cpp" -o "$dir/xfer_sep.o"
      done
      # Asio's own bodies for that column, compiled once (reported, not in the ratio).
      bench_compile 1 asio_src "$cxx" "${flags[@]}" -DASIO_SEPARATE_COMPILATION \
        -c "$src/asio_src.cpp" -o "$dir/asio_src.o"
    fi
  done
  [ "$done_reps" -lt "$reps" ] &&
    printf 'f.note\t%s\n' "$done_reps of $reps reps: more would have taken the run past 10 minutes" >>"$facts"
  # Each program must link and fetch a URL over http and https.
  for name in "${names[@]}"; do
    local objects=("$dir/$name.o")
    [ "$name" = xfer_sep ] && objects+=("$dir/asio_src.o")
    out=$("$cxx" "${objects[@]}" -o "$dir/$name" -lssl -lcrypto -pthread 2>&1 &&
      "$dir/$name" "http://127.0.0.1:$http_port/13b.txt" 2>&1 | tail -n 1
      "$dir/$name" "https://127.0.0.1:$https_port/13b.txt" "$work/cert.pem" 2>&1 | tail -n 1) || true
    printf 'f.check.%s\t%s\n' "$name" "${out//$'\n'/; }" >>"$facts"
  done
  return 0
}
