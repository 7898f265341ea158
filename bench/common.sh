# SPDX-License-Identifier: GPL-3.0-or-later
# Helpers shared by the benchmark scripts (sourced, not run).

# Waits until something accepts on 127.0.0.1:PORT (10 s at most).
wait_port() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# The median of the numbers on standard input, one per line ("n/a" when none).
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# Starts nginx answering "Hello from nginx" on 127.0.0.1:PORT with WORKERS
# workers and reuseport, its files in DIR (its pid in DIR/nginx.pid).
start_nginx() { # PORT WORKERS DIR
  cat >"$3/nginx.conf" <<NGINX
worker_processes $2;
pid $3/nginx.pid;
error_log $3/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$1 reuseport;
    location / { default_type text/plain; return 200 "Hello from nginx\n"; }
  }
}
NGINX
  nginx -c "$3/nginx.conf" -p "$3"
}

# "REQ/S P99_MS" of wrk -t1 on URL with CONNECTIONS (default 16) for
# $DURATION, its output kept in $OUT/wrk.txt.
wrk_run() { wrk -t1 -c"${2:-16}" -d"$DURATION" --latency "$1" >"$OUT/wrk.txt" 2>&1 || true
  awk '/Requests\/sec/ {r=$2} /^ +99%/ {v=$2; u=v; gsub(/[0-9.]/,"",u); gsub(/[a-z]/,"",v);
       p=(u=="us")?v/1000:(u=="s")?v*1000:v} END {printf "%s %s\n", r, p}' "$OUT/wrk.txt"; }

# Starts `PROGRAM serve --port 0 --workers 2` with its log in LOG, waits
# until it accepts, and sets SPID (its pid) and port (its port). A caller's
# cleanup kills $SPID.
start_serve() { # PROGRAM LOG
  "$1" serve --port 0 --workers 2 >"$2" 2>&1 &
  SPID=$!
  port=""
  for _ in $(seq 200); do
    port=$(sed -n 's/^ClusterLab serving http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$2")
    [ -n "$port" ] && break
    sleep 0.05
  done
  wait_port "$port"
}

# The build folder a script measures: $1, or build/release, configured and
# built first (a folder given is taken as it is).
build_dir() { # [BUILD_DIR]
  if [ -n "${1:-}" ]; then
    echo "$1"
    return
  fi
  cmake --preset release >/dev/null
  cmake --build --preset release >/dev/null
  echo build/release
}
