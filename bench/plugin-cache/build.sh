#!/usr/bin/env bash
# Builds the ~2 MB benchmark component (bench/plugin-cache/big-component) for wasm32-wasip2
# into $CARGO_TARGET_DIR/bench-big; `cargo bench -p mend --bench plugin_cache` then times a
# cold load of it against a load from the on-disk compile cache. MEND_BIG_KERNELS sets the
# number of generated kernels (default 13 500, about 2 MB).
set -euo pipefail
cd "$(dirname "$0")/big-component"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mend/target}/bench-big"
cargo build --release --target wasm32-wasip2
ls -l "$CARGO_TARGET_DIR/wasm32-wasip2/release/big_component.wasm"
