#!/usr/bin/env bash
# Load test of `policypress serve` on loopback: wrk with kept-alive
# connections, then with a new connection per request, while a loop edits an
# article every second so that rebuilds run under the load. Bounded: each
# round lasts DURATION seconds, with CONNECTIONS clients, on 127.0.0.1 only.
#
#   scripts/serve_load.sh                 # release binary, bundled content
#   DURATION=5 CONNECTIONS=20 scripts/serve_load.sh
#
# Prints requests/s and latency percentiles per round, and checks that the
# server answered every request, rebuilt and stopped cleanly.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-50}"
THREADS="${THREADS:-2}"
BIN="${POLICYPRESS:-target/release/policypress}"

if ! command -v wrk >/dev/null; then
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
if [[ -z "${POLICYPRESS:-}" ]]; then
    cargo build --release -q
fi

work="$(mktemp -d)"
server=""
editor=""
cleanup() {
    [[ -n "$editor" ]] && kill "$editor" 2>/dev/null || true
    [[ -n "$server" ]] && kill -INT "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

site="$work/site"
mkdir -p "$site"
cp -r content config.toml "$site/"
[[ -d themes ]] && cp -r themes "$site/"
[[ -d static ]] && cp -r static "$site/"

"$BIN" serve --root "$site" --port 0 >"$work/stdout" 2>"$work/stderr" &
server=$!
for _ in $(seq 600); do
    grep -q '^serving at ' "$work/stdout" && break
    kill -0 "$server" 2>/dev/null || { cat "$work/stderr"; exit 1; }
    sleep 0.1
done
base="$(sed -n 's/^serving at \(.*\)\/$/\1/p' "$work/stdout")"
[[ -n "$base" ]] || { echo "serve printed no URL" >&2; exit 1; }

article="$(find "$site/content/articles" -name '*.md' | sort | head -n 1)"
slug="$(basename "$article" .md)"
page="/articles/$slug/"
curl -fsS -o /dev/null "$base$page" || { echo "$base$page is not served" >&2; exit 1; }

# One edit a second: every round runs while the site is being rebuilt.
(
    n=0
    while sleep 1; do
        n=$((n + 1))
        printf '\n负载测试修改 %d。\n' "$n" >>"$article"
    done
) &
editor=$!

round() {
    local name="$1"
    shift
    echo "== $name: $CONNECTIONS connections, ${DURATION}s"
    wrk --latency -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --timeout 10s "$@" \
        | tee "$work/wrk" | grep -E 'Requests/sec|Transfer/sec|requests in|Socket errors|Non-2xx|^ +(50|90|99)%'
    if grep -qE 'Socket errors|Non-2xx' "$work/wrk"; then
        echo "FAILED: $name had errors" >&2
        return 1
    fi
}

status=0
round "home page, keep-alive" "$base/" || status=1
round "article page, keep-alive" "$base$page" || status=1
round "article page, new connection per request" -H "Connection: close" "$base$page" || status=1

kill "$editor" && editor=""
rebuilds="$(grep -c '^built in ' "$work/stderr" || true)"
failed="$(grep -c '^build failed' "$work/stderr" || true)"
echo "== rebuilds during the rounds: $((rebuilds - 1)) (failed: $failed)"
[[ "$rebuilds" -gt 1 && "$failed" -eq 0 ]] || status=1

kill -INT "$server"
wait "$server" || status=1
if [[ -e "${TMPDIR:-/tmp}/policypress-serve-$server" ]]; then
    echo "FAILED: serve left its workspace behind" >&2
    status=1
fi
server=""
echo "== serve stopped cleanly"
exit "$status"
