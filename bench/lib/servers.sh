# bench/lib/servers.sh - content, test certificate, nginx and the slow server, all on 127.0.0.1.
# Sourced by bench/run and bench/profile. Servers run on CPU 0; stop them with bench_stop_servers.

bench_server_pids=()

# Prints a TCP port on 127.0.0.1 that is free now.
bench_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until something accepts on 127.0.0.1:$1 (up to 10 s).
bench_wait_port() {
  local i
  for i in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench: nothing listens on port $1" >&2
  return 1
}

# Files nginx serves from $1/www: 13 bytes, 1 MiB, and 1 GiB (sparse: it reads as zeros; not with "small").
bench_make_content() {
  mkdir -p "$1/www"
  printf 'Hello, world!' >"$1/www/13b.txt"
  head -c 1048576 /dev/urandom >"$1/www/1m.bin"
  [ "${2:-}" = small ] && return 0
  truncate -s 1G "$1/www/1g.bin"
  cat "$1/www/1g.bin" >/dev/null # into the page cache before anything is timed
}

# A self-signed ECDSA P-256 certificate for 127.0.0.1: $1/cert.pem and $1/key.pem.
bench_make_cert() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null
}

# Writes nginx's configuration for prefix $1, plain HTTP on port $2 and TLS 1.3 on port $3.
bench_nginx_conf() {
  local p=$1
  mkdir -p "$p/logs" "$p/temp"
  {
    [ "$(id -u)" -eq 0 ] && echo "user root;"
    cat <<CONF
worker_processes 1;
worker_rlimit_nofile 20000;
pid $p/logs/nginx.pid;
error_log $p/logs/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $p/temp/body;
  proxy_temp_path $p/temp/proxy;
  fastcgi_temp_path $p/temp/fastcgi;
  uwsgi_temp_path $p/temp/uwsgi;
  scgi_temp_path $p/temp/scgi;
  types { text/plain txt; application/octet-stream bin; }
  default_type application/octet-stream;
  sendfile on;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$2;
    root $p/www;
  }
  server {
    listen 127.0.0.1:$3 ssl http2;
    ssl_certificate $p/cert.pem;
    ssl_certificate_key $p/key.pem;
    ssl_protocols TLSv1.3;
    root $p/www;
  }
}
CONF
  } >"$p/nginx.conf"
}

# Starts nginx with prefix $1 (content and cert made already) on CPU 0; sets http_port and https_port.
bench_start_nginx() {
  local p=$1 nginx
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
  http_port=$(bench_free_port)
  https_port=$(bench_free_port)
  bench_nginx_conf "$p" "$http_port" "$https_port"
  env -u NGINX taskset -c 0 "$nginx" -p "$p/" -c "$p/nginx.conf" -e "$p/logs/error.log" \
    -g "daemon off; master_process on;" </dev/null >"$p/logs/stdout.log" 2>&1 &
  bench_server_pids+=($!)
  bench_wait_port "$http_port" && bench_wait_port "$https_port" || {
    cat "$p/logs/error.log" >&2
    return 1
  }
}

# Starts bench-slow-server ($1) on CPU 0, output in dir $2; sets slow_port.
bench_start_slow_server() {
  taskset -c 0 "$1" --port 0 >"$2/slow.out" 2>&1 </dev/null &
  bench_server_pids+=($!)
  local i
  for i in $(seq 100); do
    slow_port=$(awk '/^port /{print $2}' "$2/slow.out")
    [ -n "$slow_port" ] && return 0
    sleep 0.1
  done
  echo "bench: the slow server did not start" >&2
  return 1
}

# Stops every server started here and waits for them to exit.
bench_stop_servers() {
  local pid
  for pid in "${bench_server_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${bench_server_pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  bench_server_pids=()
}
