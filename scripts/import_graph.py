#!/usr/bin/env python3
"""Prints which top-level modules of src/ use which (from `crate::` paths
outside unit tests) and fails on an arrow running back up:

* a cycle between modules (a module that, through others, uses itself);
* a stage using an earlier stage (import → dedup → classify → site/render
  → search);
* a stage or foundation using a consumer (check, new, serve, deploy);
* a foundation (model, content, config, layout, taxonomy, diagnostic,
  fsutil, slug, text) using a stage (import, dedup, classify, site, render, search).

   scripts/import_graph.py
"""
import collections
import pathlib
import re
import sys

STAGES = {"import", "dedup", "classify", "site", "render", "search"}
# Pipeline order; a stage may use a later one (import calls dedup), never an
# earlier one (classify calling import would run back up).
ORDER = {"import": 0, "dedup": 1, "classify": 2, "site": 3, "render": 3, "search": 4}
CONSUMERS = {"check", "new", "serve", "deploy"}

edges = collections.defaultdict(set)
for path in pathlib.Path("src").rglob("*.rs"):
    module = path.relative_to("src").with_suffix("").parts[0]
    if module in ("lib", "main"):
        continue
    code = path.read_text().split("#[cfg(test)]")[0]
    code = "\n".join(line.split("//")[0] for line in code.splitlines())
    edges[module] |= {target for target in re.findall(r"crate::(\w+)", code) if target != module}

bad = []
for module in sorted(edges):
    print(f"{module:11} → {', '.join(sorted(edges[module]))}")
    for target in edges[module]:
        if module not in CONSUMERS and target in CONSUMERS:
            bad.append(f"{module} → {target}: only consumers use a consumer")
        if module not in STAGES | CONSUMERS and target in STAGES:
            bad.append(f"{module} → {target}: a foundation uses a stage")
        if module in ORDER and target in ORDER and ORDER[target] < ORDER[module]:
            bad.append(f"{module} → {target}: a stage uses an earlier stage")


def reaches(start, goal, seen):
    return any(t == goal or (t not in seen and not seen.add(t) and reaches(t, goal, seen)) for t in edges[start])


bad += [f"{m} is in a cycle" for m in sorted(edges) if reaches(m, m, set())]
for line in bad:
    print("BAD:", line, file=sys.stderr)
sys.exit(1 if bad else 0)
