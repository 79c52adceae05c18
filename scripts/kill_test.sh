#!/usr/bin/env bash
# Kills `build` at random moments and checks that public/ is always one
# whole site: byte for byte either the build before or the build being made.
#
#   scripts/kill_test.sh [KILLS] [PAGES]      defaults: 50 kills, 1000 pages
#
# Each round switches config.toml between two titles (so every page
# changes), starts `build`, sends it SIGKILL after a random delay within one
# build's duration, and compares public/ with clean builds of both configs
# (`diff -r`: same files, same bytes, nothing extra). Then a build runs to
# the end and must give the new site exactly, with no public.tmp-*/
# public.old-* directory left beside it. Prints one line per round and a
# summary; exits 1 on the first mixed or wrong site.
set -euo pipefail
kills="${1:-50}"
pages="${2:-1000}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$repo"
cargo build --release -q --bin policypress --example synth
bin="$repo/target/release/policypress"
"$repo/target/release/examples/synth" --pages "$pages" --out "$work/raw" --seed 7 >/dev/null
site="$work/site"
mkdir -p "$site"
"$bin" import "$work/raw" --content "$site/content" --quiet >/dev/null

config_for() { sed "s/^title = .*/title = \"医保问答 $1\"/" "$repo/config.toml"; }
for state in a b; do
  config_for "$state" >"$site/config.toml"
  "$bin" build --root "$site" --out "$work/expected-$state" --fresh --quiet >/dev/null
done
grep -q "医保问答 a" "$work/expected-a/index.html" || { echo "the title does not reach the pages" >&2; exit 1; }

# State a is built; one build's duration bounds the random delay.
config_for a >"$site/config.toml"
"$bin" build --root "$site" --quiet >/dev/null
config_for b >"$site/config.toml"
start=$(date +%s%N)
"$bin" build --root "$site" --quiet >/dev/null
build_ms=$(( ($(date +%s%N) - start) / 1000000 ))
current=b
echo "a $pages-page build takes ${build_ms} ms; killing within that"

same_as() { diff -r -q "$site/public" "$work/expected-$1" >/dev/null 2>&1; }
old_count=0; new_count=0
for round in $(seq 1 "$kills"); do
  next=$([ "$current" = a ] && echo b || echo a)
  config_for "$next" >"$site/config.toml"
  delay_ms=$(( RANDOM % (build_ms + 1) ))
  "$bin" build --root "$site" --quiet >/dev/null 2>&1 &
  pid=$!
  sleep "$(awk "BEGIN {print $delay_ms / 1000}")"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if same_as "$current"; then
    seen=old; old_count=$((old_count + 1))
  elif same_as "$next"; then
    seen=new; new_count=$((new_count + 1))
  else
    echo "round $round: killed after ${delay_ms} ms, public/ is neither site:" >&2
    diff -r -q "$site/public" "$work/expected-$next" | head -5 >&2 || true
    exit 1
  fi
  "$bin" build --root "$site" --quiet >/dev/null
  if ! same_as "$next"; then
    echo "round $round: the build after the kill did not give the new site" >&2
    exit 1
  fi
  leftovers="$(find "$site" -maxdepth 1 -name 'public.tmp-*' -o -maxdepth 1 -name 'public.old-*')"
  if [ -n "$leftovers" ]; then
    echo "round $round: leftovers after a complete build: $leftovers" >&2
    exit 1
  fi
  echo "round $round: killed after ${delay_ms} ms: $seen site; the next build gave the new site"
  current=$next
done
echo "$kills kills: public/ was the old site $old_count times, the new site $new_count times, never mixed; every following build was correct and left no leftovers"
