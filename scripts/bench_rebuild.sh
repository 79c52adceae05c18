#!/usr/bin/env bash
# One-edit rebuilds of two policypress binaries, side by side: timings on a
# shared 2-core machine drift by tens of percent within minutes, so the two
# are compared edit by edit, alternating, on two copies of one site.
#
#   scripts/bench_rebuild.sh BASE_BIN HEAD_BIN SITE [EDITS] [FIRST]
#
# SITE is a site root with content/ (e.g. a corpus of scripts/bench.sh,
# imported); it is copied twice beside itself (SITE.base, SITE.head) and
# each copy built once before timing. Edit number i inserts a clause into
# the body of article number 37 i + 400 (by file name) in both copies, just
# before the first 。 past the body's middle, as a writer revising a
# sentence would; then each binary rebuilds its copy. The same FIRST and
# EDITS edit the same articles again in a later run, so runs compare.
#
# Prints each binary's median and range of wall time and of CPU (user +
# sys), and checks that both copies' output is byte-identical at the end.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,17p' "$0" >&2; exit 2; }
base_bin="$(realpath "$1")"; head_bin="$(realpath "$2")"; site="$(realpath "$3")"
edits="${4:-12}"; first="${5:-1}"
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }

for copy in base head; do
  rm -rf "$site.$copy"
  mkdir "$site.$copy"
  cp -r "$site/content" "$site.$copy/"
  [ -f "$site/config.toml" ] && cp "$site/config.toml" "$site.$copy/"
done
"$base_bin" build --root "$site.base" --quiet 2>/dev/null
"$head_bin" build --root "$site.head" --quiet 2>/dev/null

edit() {
  python3 - "$1" "$2" <<'PY'
import sys
path, n = sys.argv[1], sys.argv[2]
text = open(path, encoding='utf-8').read()
head, body = text.split('\n---\n', 1)
at = body.find('。', len(body) // 2)
at = at if at >= 0 else len(body) // 2
body = body[:at] + f'，具体以当地经办机构第{n}次公布为准' + body[at:]
open(path, 'w', encoding='utf-8').write(head + '\n---\n' + body)
PY
}

mapfile -t articles < <(ls "$site/content/articles" | sort)
times="$(mktemp)"
trap 'rm -f "$times"' EXIT
for i in $(seq "$first" $((first + edits - 1))); do
  name="${articles[$(( (i * 37 + 400) % ${#articles[@]} ))]}"
  for copy in base head; do
    bin="$base_bin"; [ "$copy" = head ] && bin="$head_bin"
    edit "$site.$copy/content/articles/$name" "$i"
    /usr/bin/time -f "$copy %e %U %S" -a -o "$times" "$bin" build --root "$site.$copy" --quiet 2>/dev/null
  done
done
python3 - "$times" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    copy, wall, user, sys_ = line.split()
    runs.setdefault(copy, []).append((float(wall), float(user) + float(sys_)))
for copy in ('base', 'head'):
    wall = [w for w, _ in runs[copy]]
    cpu = [c for _, c in runs[copy]]
    print(f"{copy}: wall median {statistics.median(wall):.2f} s ({min(wall):.2f}-{max(wall):.2f}), "
          f"CPU median {statistics.median(cpu):.2f} s ({min(cpu):.2f}-{max(cpu):.2f}), {len(wall)} edits")
PY
if diff -rq "$site.base/public" "$site.head/public" >/dev/null; then
  echo "output: byte-identical"
else
  echo "output differs between the two binaries" >&2
  exit 1
fi
