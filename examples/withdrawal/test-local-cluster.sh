#!/usr/bin/env bash
# Runs examples/withdrawal/withdraw.js against a throw-away 2-of-3 cluster of
# real warifud processes on 127.0.0.1 (README "Running a cluster by hand"):
# alpha and bravo are officers (rank 0), charlie an operator (rank 1).
#
#   1. --node form, no --key: the service makes a key (DKG and aux-info,
#      most of the run's time), checks its addresses and signs both
#      transactions.
#   2. --sim form, reading a hand-written sim.json (the shape warifu-sim
#      writes) whose first node, charlie, has been stopped: every request
#      fails over to alpha. Same key and withdrawal id, so the same request
#      ids: the raw transactions must be those of run 1.
#   3. the same with another withdrawal id: new request ids, so alpha and
#      bravo (officers, an authorised quorum without charlie) sign anew and
#      the raw transactions differ from run 1.
#
# usage: test-local-cluster.sh BUILD_DIR     (the cmake build directory)
# Everything lives in a mktemp directory, removed with the daemons on exit.
# Exit 0 passed, 1 failed.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="${1:?usage: test-local-cluster.sh BUILD_DIR}"
build="$(cd "$build" && pwd)"
W="$build/node/warifu"
WD="$build/node/warifud"
NODE="${NODE:-node}"

fail() { echo "test-local-cluster: FAIL: $*" >&2; exit 1; }

for bin in "$W" "$WD"; do
  [ -x "$bin" ] || fail "$bin is missing; build first (cmake --build $build)"
done
command -v "$NODE" >/dev/null 2>&1 || fail "no node on PATH; run scripts/setup"
for pkg in ethers bitcoinjs-lib @noble/curves; do
  [ -d "$here/node_modules/$pkg" ] ||
    fail "examples/withdrawal/node_modules has no $pkg; run scripts/setup (npm ci in examples/withdrawal)"
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/warifu-withdrawal.XXXXXX")"
pids=()
# SIGTERM lets a daemon finish its sessions (5 s grace); one still running
# 10 s later is killed, so that no test waits on a daemon's shutdown.
stop() {
  local pid="$1" i
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "test-local-cluster: warning: warifud $pid still running 10 s after SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do stop "$pid"; done
  if [ "$rc" -ne 0 ]; then
    for log in "$tmp"/*.log; do
      [ -s "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }
    done
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cd "$tmp"

# Free ports: each member listens on its base port + peer index (3 ports),
# then one client-API port each; 12 consecutive ports free right now.
base="$("$NODE" -e '
const net = require("net");
async function free(p) {
  return new Promise((ok) => { const s = net.createServer(); s.once("error", () => ok(false));
    s.listen(p, "127.0.0.1", () => s.close(() => ok(true))); });
}
(async () => {
  for (let t = 0; t < 50; t++) {
    const b = 20000 + 12 * Math.floor(Math.random() * 3000);
    let all = true;
    for (let p = b; p < b + 12 && all; p++) all = await free(p);
    if (all) { console.log(b); return; }
  }
  process.exit(1);
})();')" || fail "no 12 free consecutive ports"

names=(alpha bravo charlie)
ranks=(0 0 1)
members=()
for i in 0 1 2; do
  n="${names[$i]}"
  "$W" init --dir "$n" --name "$n" --address "tls+tcp://127.0.0.1:$((base + 3 * i))" --key-file "$n.key" >/dev/null
  members+=(--member "$n/member.pub:${ranks[$i]}")
done
"$W" cluster --threshold 2 "${members[@]}" --out cluster.conf >/dev/null
policy_line="$("$W" client-init client --name withdrawals | sed -n 's/^policy_line //p')"
[ -n "$policy_line" ] || fail "client-init printed no policy line"
printf 'warifu-policy 1\n%s\nallow withdrawals *\nend\n' "$policy_line" >policy.conf

url() { echo "tls+tcp://127.0.0.1:$((base + 9 + $1))"; }
for i in 0 1 2; do
  n="${names[$i]}"
  "$WD" --node "$n" --cluster cluster.conf --policy policy.conf --client-ca client/tls.crt \
    --client-listen "$(url $i)" --http http://127.0.0.1:0 --key-file "$n.key" \
    --presig-low 1 --presig-high 2 --quiet >"$n.log" 2>&1 &
  pids+=($!)
done
for i in 0 1 2; do
  for _ in $(seq 100); do
    grep -q 'warifud ready' "${names[$i]}.log" && break
    kill -0 "${pids[$i]}" 2>/dev/null || fail "warifud ${names[$i]} exited"
    sleep 0.1
  done
  grep -q 'warifud ready' "${names[$i]}.log" || fail "warifud ${names[$i]} not ready within 10 s"
done

# what a run printed: field "raw tx" of the ethereum or bitcoin section
raw() {
  awk -v chain="$2" '$1 == chain { on = 1 } $1 != chain && /^[a-z]/ { on = 0 } on && $1 == "raw" { print $3 }' "$1"
}

# withdraw NAME LIMIT_S ARGS...: runs withdraw.js into NAME.out and NAME.err,
# killed after LIMIT_S seconds so that the script, not ctest's timeout, stops
# a hung run and cleans up.
withdraw() {
  local out="$1" limit="$2"
  shift 2
  if ! timeout -k 5 "$limit" "$NODE" "$here/withdraw.js" "$@" >"$out.out" 2>"$out.err"; then
    cat "$out.out" "$out.err" >&2
    fail "withdraw.js $* failed or took more than $limit s"
  fi
  grep -q '^verified' "$out.out" || fail "withdraw.js $* did not print verified"
}

start=$SECONDS
echo "test-local-cluster: run 1, --node form, new key"
withdraw run1 240 --warifu "$W" --client client \
  --node "$(url 0),alpha/tls.crt" --node "$(url 1),bravo/tls.crt" --node "$(url 2),charlie/tls.crt"
cat run1.out
key="$(sed -n 's/^withdrawal .* from key \([0-9a-f]\{64\}\)$/\1/p' run1.out)"
[ -n "$key" ] || fail "run 1 printed no key id"
echo "test-local-cluster: run 1 took $((SECONDS - start)) s"

# sim.json as warifu-sim writes it, charlie first; relative paths are the
# sim directory's. charlie is killed outright: a node that is down.
kill -KILL "${pids[2]}"
wait "${pids[2]}" 2>/dev/null || true
cat >sim.json <<EOF
{"warifu": "$W", "client_dir": "client",
 "nodes": [{"name": "charlie", "client_url": "$(url 2)", "node_cert": "charlie/tls.crt"},
           {"name": "alpha", "client_url": "$(url 0)", "node_cert": "alpha/tls.crt"},
           {"name": "bravo", "client_url": "$(url 1)", "node_cert": "bravo/tls.crt"}]}
EOF

echo "test-local-cluster: run 2, --sim form, charlie down, same withdrawal"
withdraw run2 60 --sim "$tmp" --key "$key"
grep -q 'charlie could not answer sign (exit 4)' run2.err || fail "run 2 did not fail over from charlie"
for chain in ethereum bitcoin; do
  r1="$(raw run1.out $chain)"
  [ -n "$r1" ] || fail "run 1 printed no $chain raw tx"
  [ "$r1" = "$(raw run2.out $chain)" ] ||
    fail "run 2 ($chain) is not run 1's transaction: the same request ids must give the same signatures"
done

echo "test-local-cluster: run 3, --sim form, charlie down, another withdrawal"
withdraw run3 60 --sim "$tmp" --key "$key" --id wd-0002
for chain in ethereum bitcoin; do
  r3="$(raw run3.out $chain)"
  [ -n "$r3" ] || fail "run 3 printed no $chain raw tx"
  [ "$r3" != "$(raw run1.out $chain)" ] || fail "run 3 ($chain) repeats run 1's signature under new request ids"
done

echo "test-local-cluster: passed in $((SECONDS - start)) s after set-up"
