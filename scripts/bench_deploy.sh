#!/usr/bin/env bash
# Benchmarks `deploy` to a local S3 server: a first deploy of a synthetic
# site, a redeploy after editing one article, and one with nothing changed.
# Prints wall time and the requests the server received.
#
#   scripts/bench_deploy.sh [PAGES]                       default 10000, moto
#   S3_SERVER=garage scripts/bench_deploy.sh [PAGES]      Garage, scripts/garage.sh
#
# moto's server is tests/s3/server.py (pip install "moto[server]"); its
# requests are counted by method. Garage's are counted by S3 operation from
# its metrics. BENCH_DIR keeps the corpus between runs.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${BENCH_DIR:-$(mktemp -d)}"
pages="${1:-10000}"
server="${S3_SERVER:-moto}"
case "$server" in
  moto) start=(python3 "$repo/tests/s3/server.py" --seconds 3600) ;;
  garage) start=(bash "$repo/scripts/garage.sh" 3600) ;;
  *) echo "S3_SERVER must be moto or garage" >&2; exit 2 ;;
esac

cd "$repo"
cargo build --release -q --features deploy --bin policypress --example synth
bin="$repo/target/release/policypress"
raw="$work/raw-$pages"; site="$work/deploy-$pages"
[ -d "$raw" ] || target/release/examples/synth --pages "$pages" --out "$raw" --seed 1 >/dev/null
rm -rf "$site"; mkdir -p "$site"; cp "$repo/config.toml" "$site/"
"$bin" import "$raw" --content "$site/content" --quiet >/dev/null
"$bin" build --root "$site" --quiet

info="$work/s3-server.json"; rm -f "$info"
exec 3> >("${start[@]}" >"$info" 2>"$work/s3-server.log")
for _ in $(seq 120); do [ -s "$info" ] && break; sleep 0.5; done
[ -s "$info" ] || { cat "$work/s3-server.log" >&2; echo "the $server server did not start" >&2; exit 1; }
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

# The requests the server has answered so far, as JSON {kind: count}.
counts() {
  python3 - "$info" "$server" <<'PY'
import collections, json, re, sys, urllib.request
info = json.load(open(sys.argv[1]))
if sys.argv[2] == "moto":
    requests = json.load(urllib.request.urlopen(info["endpoint"] + "/__requests__"))
    print(json.dumps(collections.Counter(method for method, _, _ in requests)))
else:
    metrics = urllib.request.urlopen(info["metrics"]).read().decode()
    found = re.findall(r'^api_s3_request_counter\{api_endpoint="(\w+)"[^}]*\} (\d+)', metrics, re.M)
    print(json.dumps({name: int(n) for name, n in found}))
PY
}
files="$(find "$site/public" -type f | wc -l)"
mb="$(du -sb "$site/public" | awk '{printf "%.1f", $1/1e6}')"
# Runs a deploy; prints its wall time, the requests it made, and its summary.
run() {
  local before start end
  before="$(counts)"
  start="$(date +%s.%N)"
  "$bin" deploy --root "$site" --quiet >"$work/summary.txt"
  end="$(date +%s.%N)"
  requests="$(python3 -c '
import json, sys
before, after = json.loads(sys.argv[1]), json.loads(sys.argv[2])
made = {k: n - before.get(k, 0) for k, n in sorted(after.items()) if n > before.get(k, 0)}
print(sum(made.values()), "(" + ", ".join(f"{k} {n}" for k, n in made.items()) + ")")' "$before" "$(counts)")"
  printf '%s\t%.1f s\t%s\t%s\n' "$1" "$(echo "$end - $start" | bc)" "$requests" "$(cat "$work/summary.txt")"
}
echo "site: $pages pages, $files files, $mb MB; server: $server"
run "first deploy"
edited="$(find "$site/content/articles" -name '*.md' | sort | sed -n '1p')"
printf '\n补充说明：以当地医保部门最新公布为准。\n' >>"$edited"
"$bin" build --root "$site" --quiet
run "one-edit redeploy"
run "no-change redeploy"
exec 3>&-
