#!/usr/bin/env bash
# History overhead: the cost of recording every inpaint (files fsync'ed + renamed, one redb
# commit) on POST /api/v1/inpaint. Starts two mend servers on 127.0.0.1, each with its own
# fresh data dir — `history_on` (default) and `history_off` (`--no-history`) — and runs
# bench/e2e.py against both, interleaved, at 1024² (cv2, CPU), printing the medians and the
# ratio history_on / history_off (target: <= 1.10).
#
#   bench/history_overhead.sh                  # defaults: --sizes 1024 --reps 15
#   bench/history_overhead.sh --reps 31        # extra args go to bench/e2e.py
#   MEND_BIN=/path/to/mend PYTHON=python3 bench/history_overhead.sh
#
# The data dirs go under $BENCH_DATA_ROOT (default ~/.cache/mend; a real disk, not tmpfs,
# so fsync costs what it costs in use) and are removed afterwards. Client needs Python 3.11
# with numpy + Pillow (the IOPaint venv of bench/run.sh has them).
set -euo pipefail
cd "$(dirname "$0")/.."

MEND_BIN="${MEND_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/mend/target}/release/mend}"
PYTHON="${PYTHON:-$HOME/.cache/mend/venv-iopaint/bin/python}"
PORT_ON="${PORT_ON:-18091}"
PORT_OFF="${PORT_OFF:-18092}"
ROOT="${BENCH_DATA_ROOT:-$HOME/.cache/mend}"

[ -x "$MEND_BIN" ] || { echo "[history_overhead] no mend binary at $MEND_BIN (cargo build --release -p mend)" >&2; exit 2; }
if ! "$PYTHON" -c 'import numpy, PIL' 2>/dev/null; then
  echo "[history_overhead] $PYTHON lacks numpy/Pillow; set PYTHON= (bench/run.sh creates a venv)" >&2
  exit 2
fi

mkdir -p "$ROOT" bench/out
WORK="$(mktemp -d "$ROOT/history-bench.XXXXXX")"
PID_ON=""; PID_OFF=""
cleanup() {
  for pid in $PID_ON $PID_OFF; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $PID_ON $PID_OFF; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

"$MEND_BIN" start --host 127.0.0.1 --port "$PORT_ON" --model cv2 --device cpu \
  --data-dir "$WORK/on" >"bench/out/history_on-$PORT_ON.log" 2>&1 &
PID_ON=$!
"$MEND_BIN" start --host 127.0.0.1 --port "$PORT_OFF" --model cv2 --device cpu --no-history \
  --data-dir "$WORK/off" >"bench/out/history_off-$PORT_OFF.log" 2>&1 &
PID_OFF=$!

for port in "$PORT_ON" "$PORT_OFF"; do
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/api/v1/server-config" 2>/dev/null && break
    sleep 0.1
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$port/api/v1/server-config" \
    || { echo "[history_overhead] server on port $port did not start; see bench/out/" >&2; exit 1; }
done

echo "[history_overhead] $("$MEND_BIN" --version); nproc $(nproc); $(date -u +%Y-%m-%dT%H:%MZ); data under $WORK" >&2
"$PYTHON" bench/e2e.py \
  --target "history_on=http://127.0.0.1:$PORT_ON" --pid "history_on=$PID_ON" \
  --target "history_off=http://127.0.0.1:$PORT_OFF" --pid "history_off=$PID_OFF" \
  --baseline history_off --sizes 1024 --rss-size 1024 --reps 15 --conc-requests 0 "$@"

# Sanity: history_on recorded every request (warm-up included), history_off none.
on_total=$(curl -fsS "http://127.0.0.1:$PORT_ON/api/v1/history?limit=1" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["total"])')
off_total=$(curl -fsS "http://127.0.0.1:$PORT_OFF/api/v1/history?limit=1" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["total"])')
echo "[history_overhead] history entries recorded: history_on $on_total, history_off $off_total; on-disk size of history_on: $(du -sh "$WORK/on" | cut -f1)"
