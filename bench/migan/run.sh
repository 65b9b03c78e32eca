#!/usr/bin/env bash
# MI-GAN on the CPU: mend (native path: faer GEMMs for the 1x1 convolutions, rayon for the
# depthwise ones) against PyTorch running the same traced file as IOPaint does (and the same
# weights in eager mode), same thread count, interleaved so machine noise hits both; also
# checks that the two outputs agree.
#
#   bench/migan/run.sh [FILE]   default FILE: a full-size random one, generated when missing
#                               (models/scripts/migan_reference.py --full); THREADS=2, ROUNDS=2
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mend/target}"
PY="${PY:-$HOME/.cache/mend/venv-iopaint/bin/python}"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-2}"
file="${1:-/tmp/mend-models/torch/hub/checkpoints/migan_traced.pt}"
if [ ! -f "$file" ]; then
    "$PY" models/scripts/migan_reference.py --full --out "$(dirname "$file")" >&2
fi
cargo build --release --locked -p mend-models --no-default-features --example migan_time >&2
bin="$CARGO_TARGET_DIR/release/examples/migan_time"
out="$(mktemp -d)"
for round in $(seq "$ROUNDS"); do
    echo "== round $round, 512x512, $THREADS threads"
    RAYON_NUM_THREADS="$THREADS" "$bin" "$file" 5 --out "$out/mend.safetensors" | tail -1
    "$PY" models/scripts/bench_migan_torch.py "$file" --threads "$THREADS" --compare "$out/mend.safetensors" 2>/dev/null
    "$PY" models/scripts/bench_migan_torch.py "$file" --threads "$THREADS" --eager 2>/dev/null
done
rm -rf "$out"
