#!/usr/bin/env bash
# Runs examples/withdrawal/withdraw.js against a simulated 2-of-3 cluster
# (warifu-sim up; simulator/sim_layout.h): n1 and n2 are officers (rank 0),
# n3 an operator (rank 1), each in its own region behind the simulator's
# relays with the default round-trip times.
#
#   1. --sim D with D absolute, run from another directory, no --key: the
#      service makes a key through `warifu keygen` (most of the run's time),
#      checks its addresses and signs both transactions. n1, first in
#      sim.json, coordinates.
#   2. n1 is killed (warifu-sim kill). --sim D again, D relative, with the
#      key and withdrawal id of run 1: every request fails over from n1 to
#      n2 with the same request ids, and the raw transactions must be run
#      1's, byte for byte.
#   3. the --node form, n3 first, another withdrawal id: new request ids, so
#      n2 and n3 sign anew and the raw transactions differ from run 1's.
#
# Why run 2 must repeat run 1 exactly (node/coordinator.c, node/member.c):
# every member that completes the sign session for a request id records
# that signature under the id, and when asked about the id again answers
# with it (the coordinator from its own store, a member with ALREADY, which
# the coordinator prefers to anything its new session makes). So a retry
# gets run 1's signature whenever its quorum holds a member of run 1's
# signing set. In a 2-of-3 cluster every two quorums share a member, so
# whichever two nodes signed in run 1, n2 and n3 (the only quorum left with
# n1 down) include one of them, and n2 need not have signed in run 1 itself.
# This holds when run 1 signed at its first attempt, so that its signing set
# agrees on one signature; nothing here injects faults, so a difference is
# a failure. (Had run 1's first session broken off half-way, a member could
# hold a signature its coordinator never returned, and a retry through that
# member could give another valid signature; withdraw.js would still verify
# it.)
#
# usage: test-sim.sh WARIFU_SIM WARIFU WARIFUD     (what ctest passes)
#        test-sim.sh BUILD_DIR                      (the cmake build directory)
# Everything lives in a mktemp directory; the cluster is taken down
# (warifu-sim down) and the directory removed on exit, failed or not.
# Exit 0 passed, 1 failed.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
case $# in
  1)
    build="$(cd "$1" && pwd)"
    SIM="$build/simulator/warifu-sim" W="$build/node/warifu" WD="$build/node/warifud"
    ;;
  3) SIM="$1" W="$2" WD="$3" ;;
  *)
    echo "usage: test-sim.sh WARIFU_SIM WARIFU WARIFUD | test-sim.sh BUILD_DIR" >&2
    exit 1
    ;;
esac
NODE="${NODE:-node}"

fail() { echo "test-sim: FAIL: $*" >&2; exit 1; }

for bin in "$SIM" "$W" "$WD"; do
  [ -x "$bin" ] || fail "$bin is missing; build first"
done
# absolute, since the script runs from other directories
SIM="$(cd "$(dirname "$SIM")" && pwd)/$(basename "$SIM")"
W="$(cd "$(dirname "$W")" && pwd)/$(basename "$W")"
WD="$(cd "$(dirname "$WD")" && pwd)/$(basename "$WD")"
command -v "$NODE" >/dev/null 2>&1 || fail "no node on PATH; run scripts/setup"
for pkg in ethers bitcoinjs-lib @noble/curves; do
  [ -d "$here/node_modules/$pkg" ] ||
    fail "examples/withdrawal/node_modules has no $pkg; run scripts/setup (npm ci in examples/withdrawal)"
done

# Short: the control socket D/sim.sock must fit in 107 bytes.
tmp="$(mktemp -d "${TMPDIR:-/tmp}/wf-withdraw.XXXXXX")"
D="$tmp/sim"

# After down: every process of the cluster ended well. A sanitizer report
# (the ASan build aborts on the first; the supervisor's stderr goes to
# D/sim.log, each node's to D/logs/) or a node that exited otherwise than
# with status 0 -- n1 excepted, SIGKILLed by the test -- or had to be
# SIGKILLed by down is a failure, even when every run passed.
ended_well() {
  local bad
  bad="$(grep -l -E 'Sanitizer|runtime error:' "$D/sim.log" "$D"/logs/*.log 2>/dev/null || true)"
  if [ -n "$bad" ]; then
    echo "test-sim: FAIL: sanitizer reports in ${bad//$'\n'/ }" >&2
    return 1
  fi
  bad="$(grep -E ' exited with status [1-9]| killed by signal |did not stop' "$D/sim.log" |
    grep -v -E ' n1 \(pid [0-9]+\) killed by signal 9$' || true)"
  if [ -n "$bad" ]; then
    echo "test-sim: FAIL: nodes ended badly:" >&2
    echo "$bad" >&2
    return 1
  fi
}

# The cluster goes down on every exit once up has run: `down` waits for the
# nodes to exit. Should it fail, the test fails, and the supervisor (a
# session leader, its warifud processes in its process group; pid in
# D/sim.log) is killed with its group, so that nothing outlives the test.
cleanup() {
  local rc=$? sup t0=$SECONDS
  cd /
  if [ -e "$D/sim.conf" ]; then
    if timeout -k 5 60 "$SIM" down --dir "$D" >"$tmp/down.out" 2>&1; then
      echo "test-sim: down took $((SECONDS - t0)) s"
      ended_well || rc=1
    else
      # a cluster that does not come down is a failure too
      echo "test-sim: FAIL: warifu-sim down failed: $(cat "$tmp/down.out")" >&2
      rc=1
      sup="$(sed -n 's/.*supervisor of .* (pid \([0-9]*\)).*/\1/p' "$D/sim.log" | tail -n 1)"
      if [ -n "$sup" ] && { [ -e "$D/sim.sock" ] || kill -0 "$sup" 2>/dev/null; }; then
        echo "test-sim: killing the supervisor $sup and its nodes" >&2
        kill -KILL -- "-$sup" 2>/dev/null || true
      fi
    fi
    if [ "$rc" -ne 0 ]; then
      for log in "$D/sim.log" "$D"/logs/*.log; do
        [ -s "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }
      done
    fi
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# what a run printed: field "raw tx" of the ethereum or bitcoin section
raw() {
  awk -v chain="$2" '$1 == chain { on = 1 } $1 != chain && /^[a-z]/ { on = 0 } on && $1 == "raw" { print $3 }' "$1"
}

# withdraw NAME LIMIT_S ARGS...: runs withdraw.js in the current directory
# into $tmp/NAME.out and .err, killed after LIMIT_S seconds so that the
# script, not ctest's timeout, stops a hung run and cleans up.
withdraw() {
  local out="$tmp/$1" limit="$2" t0=$SECONDS
  shift 2
  if ! timeout -k 5 "$limit" "$NODE" "$here/withdraw.js" "$@" >"$out.out" 2>"$out.err"; then
    cat "$out.out" "$out.err" >&2
    fail "withdraw.js $* failed or took more than $limit s"
  fi
  grep -q '^verified' "$out.out" || fail "withdraw.js $* did not print verified"
  echo "test-sim: $(basename "$out") took $((SECONDS - t0)) s"
}

start=$SECONDS
# --dir relative: sim.json's paths are then relative to $tmp (where up runs),
# not to D, which is what withdraw.js's reader must cope with; given an
# absolute --dir, up writes absolute paths.
cd "$tmp"
"$SIM" up --dir sim --nodes 3 --threshold 2 --ranks 0,0,1 --warifu "$W" --warifud "$WD" \
  --presig-low 1 --presig-high 2 >up.out 2>&1 || { cat up.out >&2; fail "warifu-sim up failed"; }
echo "test-sim: up took $((SECONDS - start)) s"
[ -s "$D/sim.json" ] || fail "warifu-sim up wrote no $D/sim.json"

echo "test-sim: run 1, --sim $D from another directory, new key"
mkdir "$tmp/elsewhere"
cd "$tmp/elsewhere"
withdraw run1 240 --sim "$D"
cat "$tmp/run1.out"
key="$(sed -n 's/^withdrawal .* from key \([0-9a-f]\{64\}\)$/\1/p' "$tmp/run1.out")"
[ -n "$key" ] || fail "run 1 printed no key id"
for chain in ethereum bitcoin; do
  [ -n "$(raw "$tmp/run1.out" $chain)" ] || fail "run 1 printed no $chain raw tx"
done

cd "$tmp"
"$SIM" kill --dir sim n1 >/dev/null || fail "warifu-sim kill n1 failed"
status="$("$SIM" status --dir sim)" || fail "warifu-sim status failed"
grep -q '^n1 down ' <<<"$status" || fail "n1 is not down after warifu-sim kill: $status"

echo "test-sim: run 2, --sim sim (relative), n1 down, the same withdrawal"
withdraw run2 120 --sim sim --key "$key"
grep -q 'n1 could not answer sign (exit 4)' "$tmp/run2.err" || fail "run 2 did not fail over from n1"
for chain in ethereum bitcoin; do
  [ "$(raw run1.out $chain)" = "$(raw run2.out $chain)" ] ||
    fail "run 2 ($chain) is not run 1's transaction: a request id must keep its signature on another coordinator"
done

echo "test-sim: run 3, --node form, n3 first, n1 down, another withdrawal"
# URL,CERT of n3 and n2 from sim.json; the certificates are named as sim.json
# names them, from $tmp, where up ran (the ${...} are JavaScript's)
# shellcheck disable=SC2016
mapfile -t nodes < <("$NODE" -e '
  const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const name of ["n3", "n2"]) {
    const n = s.nodes.find((x) => x.name === name);
    console.log(`${n.client_url},${n.node_cert}`);
  }' "$D/sim.json")
[ "${#nodes[@]}" -eq 2 ] || fail "cannot read n3 and n2 from $D/sim.json"
withdraw run3 120 --warifu "$W" --client "$D/client" --node "${nodes[0]}" --node "${nodes[1]}" \
  --key "$key" --id wd-0002
for chain in ethereum bitcoin; do
  r3="$(raw run3.out $chain)"
  [ -n "$r3" ] || fail "run 3 printed no $chain raw tx"
  [ "$r3" != "$(raw run1.out $chain)" ] || fail "run 3 ($chain) repeats run 1's signature under new request ids"
done

echo "test-sim: the runs passed in $((SECONDS - start)) s"
