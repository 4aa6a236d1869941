#!/usr/bin/env bash
# Single-node Ceph RGW (Debian bookworm: ceph-mon + ceph-osd on memstore + radosgw)
# on 127.0.0.1, for the integration tests against a production S3 implementation.
#
#   scripts/rgw.sh install            apt-get install ceph-mon ceph-osd radosgw (if missing)
#   scripts/rgw.sh start DIR [PORT]   start mon + osd + radosgw in DIR (default port 17480);
#                                     last stdout line: RGW_ENDPOINT=http://127.0.0.1:PORT
#   scripts/rgw.sh stop DIR           stop the daemons started in DIR and remove DIR's data
#
# S3 credentials: access key "rgwtest", secret "rgwtestsecret" (path-style, any region); and a
# user "rgwreader" (secret "rgwreadersecret") that owns nothing, for least-privilege tests.
# Environment knobs: RGW_START_TIMEOUT (s, default 90), RGW_THREADS (default 32),
# RGW_MON_PORT (default: first free port from 13300).
# Progress and errors go to stderr; stdout carries only the RGW_ENDPOINT line.
set -euo pipefail

readonly ACCESS_KEY=rgwtest
readonly SECRET_KEY=rgwtestsecret
readonly READ_ACCESS_KEY=rgwreader
readonly READ_SECRET_KEY=rgwreadersecret
readonly MARKER=.rgw-sh            # marks a DIR this script owns (never rm -rf anything else)
readonly DAEMONS=(mon osd rgw)

log() { printf 'rgw.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '5,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# ---------------------------------------------------------------- install
cmd_install() {
  if command -v radosgw >/dev/null && command -v ceph-mon >/dev/null \
     && command -v ceph-osd >/dev/null && command -v radosgw-admin >/dev/null; then
    log "ceph already installed: $(radosgw --version 2>/dev/null | head -n1)"
    return 0
  fi
  [[ $(id -u) -eq 0 ]] || die "install needs root (apt-get)"
  local aptlog; aptlog=$(mktemp /tmp/rgw-apt.XXXXXX.log)
  local pkgs=(ceph-mon ceph-osd radosgw)
  export DEBIAN_FRONTEND=noninteractive
  local t0=$SECONDS

  apt_update() {
    log "apt-get update"
    apt-get update -qq -o DPkg::Lock::Timeout=120 >>"$aptlog" 2>&1 || { tail -n 30 "$aptlog" >&2; die "apt-get update failed (log: $aptlog)"; }
  }
  apt_install() {
    apt-get install -y -qq -o DPkg::Lock::Timeout=120 --no-install-recommends "${pkgs[@]}" >>"$aptlog" 2>&1
  }

  # Update the package lists only when they do not know radosgw yet.
  local cand
  cand=$(apt-cache policy radosgw 2>/dev/null | awk '/Candidate:/ {print $2}')
  if [[ -z $cand || $cand == "(none)" ]]; then
    apt_update
  fi
  log "apt-get install ${pkgs[*]}"
  if ! apt_install; then
    # Stale lists point at files the mirror no longer has: refresh once and retry.
    log "install failed; refreshing package lists and retrying"
    apt_update
    apt_install || { tail -n 30 "$aptlog" >&2; die "apt-get install ${pkgs[*]} failed (log: $aptlog)"; }
  fi
  command -v radosgw >/dev/null || die "radosgw still missing after install (log: $aptlog)"
  rm -f "$aptlog"
  log "installed $(radosgw --version 2>/dev/null | head -n1) in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------- helpers
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port_from() {
  local p=$1
  while port_in_use "$p"; do p=$((p + 1)); done
  echo "$p"
}

# expected executable of each daemon, to avoid killing a recycled PID
daemon_exe() {
  case $1 in mon) echo ceph-mon ;; osd) echo ceph-osd ;; rgw) echo radosgw ;; esac
}

pid_is() { # pid name -> true if pid is alive and runs that daemon
  local pid=$1 name=$2
  [[ -n $pid && -d /proc/$pid ]] || return 1
  [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == */"$(daemon_exe "$name")" ]]
}

any_alive() { # "pid:name"... -> true while one of them still runs
  local e
  for e in "$@"; do pid_is "${e%%:*}" "${e#*:}" && return 0; done
  return 1
}

wait_gone() { # tenths-of-a-second "pid:name"...
  local n=$1 i; shift
  for ((i = 0; i < n; i++)); do any_alive "$@" || return 0; sleep 0.1; done
  ! any_alive "$@"
}

signal_and_wait() { # signal "pid:name"...: send, wait up to 10 s, then SIGKILL what is left
  local sig=$1 e; shift
  (($#)) || return 0
  for e in "$@"; do kill "-$sig" "${e%%:*}" 2>/dev/null || true; done
  wait_gone 100 "$@" && return 0
  for e in "$@"; do
    if pid_is "${e%%:*}" "${e#*:}"; then
      log "${e#*:} (pid ${e%%:*}) still running 10 s after SIG$sig; sending SIGKILL"
      kill -KILL "${e%%:*}" 2>/dev/null || true
    fi
  done
  wait_gone 50 "$@" || die "could not stop $*"
}

stop_daemons() { # DIR
  local d=$1 name pid stopped=()
  declare -A found=()
  for name in "${DAEMONS[@]}"; do
    pid=$(cat "$d/run/$name.pid" 2>/dev/null || true)
    pid_is "$pid" "$name" && found[$name]=$pid:$name
  done
  ((${#found[@]})) || return 0
  # radosgw first and on its own: it waits for the OSD while it shuts down
  [[ -n ${found[rgw]:-} ]] && { signal_and_wait TERM "${found[rgw]}"; stopped+=("${found[rgw]}"); }
  # memstore writes every object into the OSD's data dir on a clean shutdown; the data is
  # thrown away anyway, so the OSD gets SIGKILL
  [[ -n ${found[osd]:-} ]] && { signal_and_wait KILL "${found[osd]}"; stopped+=("${found[osd]}"); }
  [[ -n ${found[mon]:-} ]] && { signal_and_wait TERM "${found[mon]}"; stopped+=("${found[mon]}"); }
  log "stopped ${stopped[*]} (pid:daemon)"
}

owned_dir() { [[ -f $1/$MARKER ]]; }

remove_data() { # DIR: remove what start created, and DIR itself if it ends up empty
  local d=${1:?}
  rm -rf -- "$d/ceph.conf" "$d/keyring" "$d/monmap" "$d/run" "$d/log" "$d/mon.a" "$d/osd.0" "$d/rgw" "${d:?}/$MARKER"
  rmdir -- "$d" 2>/dev/null || true
}

# ---------------------------------------------------------------- stop
cmd_stop() {
  [[ $# -eq 1 ]] || usage
  local d=$1
  if [[ ! -d $d ]]; then log "nothing to stop: $d does not exist"; return 0; fi
  owned_dir "$d" || die "$d was not created by rgw.sh start (no $MARKER); not touching it"
  d=$(cd "$d" && pwd)
  stop_daemons "$d"
  remove_data "$d"
  log "removed $d"
}

# ---------------------------------------------------------------- start
cmd_start() {
  [[ $# -ge 1 && $# -le 2 ]] || usage
  local d=$1 port=${2:-17480}
  if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then die "bad port: $port"; fi
  command -v radosgw >/dev/null || die "radosgw is not installed: run '$0 install' first"
  local timeout=${RGW_START_TIMEOUT:-90} threads=${RGW_THREADS:-32}
  local t0=$SECONDS deadline=$((SECONDS + timeout))

  # Leftovers from a previous start in the same DIR: stop them first.
  if [[ -d $d ]]; then
    if owned_dir "$d"; then
      stop_daemons "$(cd "$d" && pwd)"
      remove_data "$d"
    elif [[ -n $(ls -A "$d") ]]; then
      die "$d exists, is not empty and was not created by rgw.sh; refusing to use it"
    fi
  fi
  port_in_use "$port" && die "127.0.0.1:$port is already in use (another RGW? run '$0 stop DIR')"
  local mon_port=${RGW_MON_PORT:-$(free_port_from 13300)}
  port_in_use "$mon_port" && die "mon port 127.0.0.1:$mon_port is already in use"
  mkdir -p "$d"
  d=$(cd "$d" && pwd)
  touch "$d/$MARKER"
  mkdir -p "$d/run" "$d/log" "$d/mon.a" "$d/osd.0" "$d/rgw"

  local conf=$d/ceph.conf fsid osd_uuid
  fsid=$(cat /proc/sys/kernel/random/uuid)
  cat >"$conf" <<EOF
# written by scripts/rgw.sh; single node, loopback only, no auth, data in memory
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.0/8
ms bind ipv6 = false
ms bind msgr1 = false
# auth none also needs the crc messenger modes, or clients loop on -13 (EACCES)
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
ms cluster mode = crc
ms service mode = crc
ms client mode = crc
ms mon cluster mode = crc
ms mon service mode = crc
ms mon client mode = crc
run dir = $d/run
admin socket = $d/run/\$name.asok
log file = $d/log/\$name.log
pid file = $d/run/\$name.ceph.pid
keyring = $d/keyring
mon data = $d/\$name
osd data = $d/\$name
osd objectstore = memstore
memstore device bytes = 4294967296
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
debug ms = 0
# each osdmap change (RGW creates its pools one by one at first start) waits for the next
# paxos proposal, 1 s apart by default; 0.1 s takes several seconds off the start
paxos propose interval = 0.1

[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$port
rgw data = $d/rgw
# the SDK sends LocationConstraint=<region> on CreateBucket; the zonegroup's api_name is
# "default", so without this CreateBucket with region us-west-2 fails InvalidLocationConstraint
rgw relaxed region enforcement = true
# default is 512 threads; a 2-core box needs far fewer (beast runs requests as coroutines)
rgw thread pool size = $threads
EOF

  # The daemon whose log to show if we fail, and cleanup of a half-started cluster.
  local phase=mon
  fail() {
    log "error: $*"
    local f shown=0
    sleep 1 # ceph daemons flush their log files asynchronously
    for f in "$d/log/$phase.out" "$d/log/client.$phase.log" "$d/log/$phase.a.log" "$d/log/$phase.0.log"; do
      [[ -s $f ]] || continue
      log "---- tail of $f"
      tail -n 25 "$f" >&2
      shown=1
    done
    if ((!shown)); then
      for f in "$d"/log/*; do
        [[ -s $f ]] || continue
        log "---- tail of $f"
        tail -n 8 "$f" >&2
      done
    fi
    stop_daemons "$d"
    log "logs kept in $d/log; '$0 stop $d' removes them"
    exit 1
  }
  remaining() { local r=$((deadline - SECONDS)); ((r > 0)) && echo "$r" || echo 1; }
  alive() { pid_is "$(cat "$d/run/$1.pid" 2>/dev/null)" "$1"; }
  spawn() { # name log cmd... ; runs the daemon in the foreground of a background job
    local name=$1 out=$2; shift 2
    "$@" </dev/null >"$out" 2>&1 &
    echo $! >"$d/run/$name.pid"
    disown $! # no "Killed" job notice from this shell when stop_daemons kills it
  }

  # mon
  log "mon: mkfs (port $mon_port)"
  ceph-authtool --create-keyring "$d/keyring" --gen-key -n mon. --cap mon 'allow *' >"$d/log/mon.out" 2>&1 \
    || fail "ceph-authtool failed"
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$d/monmap" >>"$d/log/mon.out" 2>&1 \
    || fail "monmaptool failed"
  ceph-mon -c "$conf" --mkfs -i a --monmap "$d/monmap" --keyring "$d/keyring" >>"$d/log/mon.out" 2>&1 \
    || fail "ceph-mon --mkfs failed"
  spawn mon "$d/log/mon.out" ceph-mon -c "$conf" -i a -f

  # osd (registering it needs the mon to answer)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  local ok=0
  while ((SECONDS < deadline)); do
    alive mon || fail "ceph-mon exited"
    if timeout "$(remaining)" ceph -c "$conf" --connect-timeout 5 osd new "$osd_uuid" 0 >>"$d/log/mon.out" 2>&1; then
      ok=1; break
    fi
    sleep 0.5
  done
  ((ok)) || fail "mon did not answer within ${timeout} s"
  log "mon: up after $((SECONDS - t0)) s; osd: mkfs"
  phase=osd
  ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >"$d/log/osd.out" 2>&1 || fail "ceph-osd --mkfs failed"
  spawn osd "$d/log/osd.out" ceph-osd -c "$conf" -i 0 -f

  # radosgw: it creates its pools, then opens the port
  phase=rgw
  spawn rgw "$d/log/rgw.out" radosgw -c "$conf" -n client.rgw -f
  log "rgw: waiting for 127.0.0.1:$port (creating pools)"
  ok=0
  while ((SECONDS < deadline)); do
    alive mon || { phase=mon; fail "ceph-mon exited"; }
    alive osd || { phase=osd; fail "ceph-osd exited"; }
    alive rgw || fail "radosgw exited"
    if rgw_answers "$port"; then ok=1; break; fi
    sleep 0.2
  done
  ((ok)) || fail "S3 endpoint 127.0.0.1:$port did not answer within ${timeout} s"
  log "rgw: answering after $((SECONDS - t0)) s; creating user $ACCESS_KEY"

  timeout "$(remaining)" radosgw-admin -c "$conf" -n client.admin user create --uid=rgwtest --display-name="rgw.sh test user" \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >"$d/log/user.out" 2>&1 \
    || { phase=user; fail "radosgw-admin user create failed"; }
  local info
  info=$(timeout "$(remaining)" radosgw-admin -c "$conf" -n client.admin user info --uid=rgwtest 2>>"$d/log/user.out" || true)
  [[ $info == *"\"access_key\": \"$ACCESS_KEY\""* ]] || { phase=user; fail "user rgwtest not found after creating it"; }
  # A second user with no bucket of its own: the tests grant it the README's least-privilege
  # policy on each bucket they create (a bucket policy), and the tool runs as it.
  timeout "$(remaining)" radosgw-admin -c "$conf" -n client.admin user create --uid=rgwreader --display-name="rgw.sh least-privilege reader" \
    --access-key="$READ_ACCESS_KEY" --secret-key="$READ_SECRET_KEY" >>"$d/log/user.out" 2>&1 \
    || { phase=user; fail "radosgw-admin user create rgwreader failed"; }
  # a signed request proves RGW itself sees the user (curl >= 7.75 signs SigV4; 7.88
  # does not add x-amz-content-sha256 by itself, and RGW rejects the signature without it)
  if command -v curl >/dev/null; then
    local body
    body=$(curl -s --max-time 10 --aws-sigv4 "aws:amz:us-west-2:s3" --user "$ACCESS_KEY:$SECRET_KEY" \
      -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
      "http://127.0.0.1:$port/" 2>&1 || true)
    [[ $body == *"<ID>rgwtest</ID>"* ]] || { phase=rgw; fail "signed ListBuckets as $ACCESS_KEY failed: ${body:0:300}"; }
  fi
  log "ready in $((SECONDS - t0)) s: pids mon=$(cat "$d/run/mon.pid") osd=$(cat "$d/run/osd.pid") rgw=$(cat "$d/run/rgw.pid"); logs in $d/log"
  echo "RGW_ENDPOINT=http://127.0.0.1:$port"
}

# true if 127.0.0.1:PORT answers an anonymous GET / like RGW does (200 + ListAllMyBucketsResult)
rgw_answers() {
  local resp
  resp=$(
    exec 2>/dev/null
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 0
    printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$1" >&3
    timeout 5 cat <&3
  ) || true
  [[ $resp == "HTTP/1."[01]" 200"* && $resp == *ListAllMyBucketsResult* ]]
}

case ${1:-} in
  install) shift; cmd_install "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) usage ;;
esac
