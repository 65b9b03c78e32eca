#!/usr/bin/env bash
# One-command end-to-end comparison: mend vs IOPaint 1.6.0 (cv2 model, CPU).
#   bench/run.sh                 # both servers (mend only if its binary exists), defaults
#   bench/run.sh --reps 5        # extra args go to bench/e2e.py (see --help)
#   MEND_BIN=/path/to/mend bench/run.sh
# Creates the IOPaint venv on first use (pip install iopaint==1.6.0; ~3 min, ~6 GB with torch).
# Both servers are started on 127.0.0.1, measured one at a time, then stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${IOPAINT_VENV:-$HOME/.cache/mend/venv-iopaint}"
MEND_BIN="${MEND_BIN:-$HOME/.cache/mend/target/release/mend}"

if [ ! -x "$VENV/bin/iopaint" ]; then
  echo "[run.sh] creating $VENV (iopaint==1.6.0)" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet iopaint==1.6.0   # brings numpy, Pillow, scikit-image too
fi

args=(--start-iopaint "$VENV/bin/iopaint")
if [ -x "$MEND_BIN" ]; then
  args=(--start-mend "$MEND_BIN" "${args[@]}")
else
  echo "[run.sh] $MEND_BIN not found: benchmarking IOPaint only" >&2
fi

# Offline: cv2 needs no model download; keep HF/transformers from touching the network.
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec "$VENV/bin/python" bench/e2e.py "${args[@]}" "$@"
