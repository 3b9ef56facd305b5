#!/bin/sh
# Prints the page's bundle size: the wasm module and its JavaScript glue, raw and gzip -9.
# Run by Trunk after each build (TRUNK_STAGING_DIR), or by hand on a dist/ folder.
dir="${TRUNK_STAGING_DIR:-${1:-dist}}"
wasm=$(ls "$dir"/*.wasm 2>/dev/null | head -n 1)
js=$(ls "$dir"/*.js 2>/dev/null | head -n 1)
[ -n "$wasm" ] && [ -n "$js" ] || { echo "bundle-size: no wasm or js in $dir" >&2; exit 0; }
raw_wasm=$(wc -c < "$wasm")
raw_js=$(wc -c < "$js")
gz_wasm=$(gzip -9 -c "$wasm" | wc -c)
gz_js=$(gzip -9 -c "$js" | wc -c)
total=$((gz_wasm + gz_js))
printf 'bundle: wasm %d KB (%d KB gzip) + js %d KB (%d KB gzip) = %d KB gzip\n' \
  $((raw_wasm / 1024)) $((gz_wasm / 1024)) $((raw_js / 1024)) $((gz_js / 1024)) $((total / 1024))
