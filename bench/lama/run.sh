#!/usr/bin/env bash
# LaMa on the CPU: mend (native CPU path: faer GEMMs, Winograd, FFTs) against PyTorch eager on the same
# architecture with random weights, same thread count, one size per process (peak RSS), the two
# interleaved so machine noise hits both. Needs torch in $PY (the IOPaint venv has it).
#
#   bench/lama/run.sh [sides...]      default: 512 1024 2048; THREADS=2 by default
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mend/target}"
PY="${PY:-$HOME/.cache/mend/venv-iopaint/bin/python}"
THREADS="${THREADS:-2}"
sides=("$@"); [ ${#sides[@]} -gt 0 ] || sides=(512 1024 2048)
cargo build --release --locked -p mend-models --no-default-features --example lama_rss >&2
bin="$CARGO_TARGET_DIR/release/examples/lama_rss"
for s in "${sides[@]}"; do
    runs=3; [ "$s" -ge 2048 ] && runs=1
    echo "== ${s}x${s}, ${THREADS} threads"
    RAYON_NUM_THREADS="$THREADS" "$bin" "$s" "$runs"
    "$PY" models/scripts/bench_lama_torch.py --size "$s" --threads "$THREADS" --runs "$runs"
done
