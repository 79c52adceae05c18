#!/usr/bin/env bash
# Benchmarks `deploy` to a local S3 server (moto, tests/s3/server.py;
# pip install "moto[server]"): a first deploy of a synthetic site and a
# redeploy after editing one article. Prints wall time and the requests the
# server received, by method.
#
#   scripts/bench_deploy.sh [PAGES]     default 10000
#
# BENCH_DIR keeps the corpus between runs.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${BENCH_DIR:-$(mktemp -d)}"
pages="${1:-10000}"

cd "$repo"
cargo build --release -q --bin policypress --example synth
bin="$repo/target/release/policypress"
raw="$work/raw-$pages"; site="$work/deploy-$pages"
[ -d "$raw" ] || target/release/examples/synth --pages "$pages" --out "$raw" --seed 1 >/dev/null
rm -rf "$site"; mkdir -p "$site"; cp "$repo/config.toml" "$site/"
"$bin" import "$raw" --content "$site/content" --quiet >/dev/null
"$bin" build --root "$site" --quiet

log="$work/s3-requests.log"; info="$work/s3-server.json"
exec 3> >(python3 "$repo/tests/s3/server.py" --log --seconds 3600 >"$info" 2>"$log")
for _ in $(seq 120); do [ -s "$info" ] && break; sleep 0.5; done
[ -s "$info" ] || { echo "the S3 server did not start (pip install \"moto[server]\")" >&2; exit 1; }
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$info" "$1"; }
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
AWS_ACCESS_KEY_ID="$(field access_key_id)"; AWS_SECRET_ACCESS_KEY="$(field secret_access_key)"
cat >>"$site/config.toml" <<TOML

[deploy.targets.bench]
kind = "s3"
bucket = "$(field bucket)"
endpoint = "$(field endpoint)"
region = "us-east-1"
TOML

files="$(find "$site/public" -type f | wc -l)"
mb="$(du -sb "$site/public" | awk '{printf "%.1f", $1/1e6}')"
# Runs a deploy; prints "<seconds> <requests by method>" and the summary.
run() {
  local before start end
  before="$(wc -l <"$log")"
  start="$(date +%s.%N)"
  "$bin" deploy --root "$site" --quiet >"$work/summary.txt"
  end="$(date +%s.%N)"
  requests="$(tail -n +"$((before + 1))" "$log" | awk '/^request / {n[$2]++; t++} END {s=t" ("; for (m in n) s=s" "m" "n[m]; print s" )"}')"
  printf '%s\t%.1f s\t%s\t%s\n' "$1" "$(echo "$end - $start" | bc)" "$requests" "$(cat "$work/summary.txt")"
}
echo "site: $pages pages, $files files, $mb MB"
run "first deploy"
edited="$(find "$site/content/articles" -name '*.md' | sort | sed -n '1p')"
printf '\n补充说明：以当地医保部门最新公布为准。\n' >>"$edited"
"$bin" build --root "$site" --quiet
run "one-edit redeploy"
run "no-change redeploy"
exec 3>&-
