#!/usr/bin/env bash
# Benchmarks import and build on synthetic corpora (default 1k, 10k, 100k
# pages) and, where `hugo` is installed, builds the same content/ with Hugo
# twice: scripts/hugo/minimal/ (single, list and taxonomy templates, no
# partials: Hugo at its fastest) and scripts/hugo/full/ (regions/topics,
# pagination and related links like the default theme).
#
#   scripts/bench.sh [SIZES...]        e.g. scripts/bench.sh 10000
#
# Hugo runs on corpora up to BENCH_HUGO_MAX pages (default 20000): on this
# 2-core machine it takes 30 s and 1.7 GiB at 10k pages, and grows faster.
#
# Prints wall time, CPU seconds (user + sys, which other load on the
# machine distorts less than wall time) and peak RSS (GNU time) of import,
# a clean build and a rebuild after editing one article; output size;
# search index sizes; the bytes a typical query fetches
# (tests/js/measure.mjs, needs node) and the most any of six cold queries
# fetched in Chromium (tests/js/scale.test.mjs, after tests/js/run.sh has
# installed it; the script fails past 100 KB); Hugo's wall time and how
# many times longer it took than our clean build, for each configuration.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${BENCH_DIR:-$(mktemp -d)}"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1000 10000 100000)

cd "$repo"
cargo build --release -q --bin policypress --example synth
bin="$repo/target/release/policypress"
synth="$repo/target/release/examples/synth"
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }

# Runs a command under GNU time; prints "<wall s> <peak MiB> <user+sys s>".
measure() {
  local log; log="$(mktemp)"
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log" >&2; exit 1; }
  local wall rss cpu
  wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$log")"
  rss="$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")"
  cpu="$(awk -F': ' '/User time|System time/ {s+=$2} END {printf "%.2f", s}' "$log")"
  rm -f "$log"
  echo "$wall $rss $cpu"
}

size_of() { du -sb "$1" | cut -f1; }
gzip_size() { find "$@" -type f -print0 | xargs -0 cat | gzip -c | wc -c; }

row='%-8s %-22s %-26s %-22s %-10s %-24s %-16s %-11s %-32s %s\n'
# shellcheck disable=SC2059
printf "$row" pages "import s (MiB) cpu" "build s (MiB) cpu" "1-edit rebuild s (MiB)" "output MB" "index MB raw/gz (full)" "query KB raw/gz" "browser KB" "hugo minimal s (MiB) cpu ratio" "hugo full s (MiB) cpu ratio"
for n in "${sizes[@]}"; do
  raw="$work/raw-$n"; site="$work/site-$n"
  [ -d "$raw" ] || "$synth" --pages "$n" --out "$raw" --seed 1 >/dev/null
  rm -rf "$site"; mkdir -p "$site"; cp "$repo/config.toml" "$site/"
  read -r import_s import_mb import_cpu < <(measure "$bin" import "$raw" --content "$site/content" --quiet)
  read -r build_s build_mb build_cpu < <(measure "$bin" build --root "$site" --quiet)
  # One article edited, as a writer previewing a change would.
  edited="$(find "$site/content/articles" -name '*.md' | sort | sed -n '1p')"
  printf '\n补充说明：以当地医保部门最新公布为准。\n' >>"$edited"
  read -r edit_s edit_mb _ < <(measure "$bin" build --root "$site" --quiet)
  out_mb="$(awk "BEGIN {printf \"%.1f\", $(size_of "$site/public")/1e6}")"
  shards_raw="$(size_of "$site/public/search")"
  shards_gz="$(gzip_size "$site/public/search")"
  full="-"
  [ -f "$site/public/search_index.zh.json" ] && full="$(awk "BEGIN {printf \"%.1f\", $(size_of "$site/public/search_index.zh.json")/1e6}")"
  index="$(awk "BEGIN {printf \"%.1f/%.1f\", $shards_raw/1e6, $shards_gz/1e6}") ($full)"
  query="-"
  if command -v node >/dev/null && [ -d "$repo/tests/js/node_modules" ]; then
    # A typical query, cold cache, search.js included: raw/gzip KB.
    query="$(node "$repo/tests/js/measure.mjs" "$site/public" 异地就医备案 2>/dev/null | awk -F'\t' 'NR==3 {print $3"/"$4}')"
  fi
  browser="-"
  if command -v chromium >/dev/null && [ -d "$repo/tests/js/node_modules/playwright-core" ]; then
    # The largest raw download of six cold queries on the search page.
    log="$(mktemp)"
    POLICYPRESS_LARGE_SITE="$site/public" node --test "$repo/tests/js/scale.test.mjs" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
    browser="$(awk -F' [|] ' '/\[scale\]/ {kb=$3+0; if (kb>max) max=kb} END {print max}' "$log")"
    rm -f "$log"
  fi
  hugo_minimal="-"; hugo_full="-"
  if [ "$n" -gt "${BENCH_HUGO_MAX:-20000}" ]; then
    hugo_minimal="skipped (> BENCH_HUGO_MAX)"
  elif command -v hugo >/dev/null; then
    for theme in minimal full; do
      hsite="$work/hugo-$theme-$n"; rm -rf "$hsite"; mkdir -p "$hsite"
      cp -r "$repo/scripts/hugo/$theme/." "$hsite/"; ln -s "$site/content" "$hsite/content"
      read -r hugo_s hugo_mb hugo_cpu < <(measure hugo --source "$hsite" --quiet)
      col="$hugo_s ($hugo_mb) $hugo_cpu $(awk "BEGIN {printf \"%.1fx\", $hugo_s/$build_s}")"
      if [ "$theme" = minimal ]; then hugo_minimal="$col"; else hugo_full="$col"; fi
    done
  fi
  # shellcheck disable=SC2059
  printf "$row" "$n" "$import_s ($import_mb) $import_cpu" "$build_s ($build_mb) $build_cpu" "$edit_s ($edit_mb)" "$out_mb" "$index" "$query" "$browser" "$hugo_minimal" "$hugo_full"
done
echo "corpora and sites in $work"
