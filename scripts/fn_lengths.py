#!/usr/bin/env python3
"""Lists the longest functions under src/ and fails if any is over the limit.

   scripts/fn_lengths.py [LIMIT]   (default 150 lines, signature to closing brace)

A function starts at a line whose code begins with `fn`, `pub fn`,
`pub(crate) fn` (optionally `async`/`const`/`unsafe`) and ends at the brace
that closes its body; string and char literals and comments are skipped when
counting braces.
"""
import pathlib
import re
import sys

LIMIT = int(sys.argv[1]) if len(sys.argv) > 1 else 150
START = re.compile(r"^\s*(pub(\([a-z]+\))?\s+)?((const|async|unsafe)\s+)*fn\s+(\w+)")


def code_only(text):
    """The text with comments and string/char literals blanked, newlines kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2); j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c == "r" and re.match(r'r#*"', text[i:]) and (i == 0 or not (text[i-1].isalnum() or text[i-1] == "_")):
            hashes = re.match(r'r(#*)"', text[i:]).group(1)
            end = '"' + hashes
            j = text.find(end, i + 2 + len(hashes)); j = n if j < 0 else j + len(end)
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c == "'":
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:])
            if m:
                out.append(" " * len(m.group(0))); i += len(m.group(0))
            else:
                out.append(c); i += 1
        else:
            out.append(c); i += 1
    return "".join(out)


def functions(path):
    lines = code_only(path.read_text()).split("\n")
    for start, line in enumerate(lines):
        m = START.match(line)
        if not m:
            continue
        depth, opened = 0, False
        for end in range(start, len(lines)):
            for ch in lines[end]:
                if ch == "{":
                    depth += 1; opened = True
                elif ch == "}":
                    depth -= 1
                elif ch == ";" and not opened and depth == 0:
                    break
            else:
                if opened and depth == 0:
                    yield m.group(5), start + 1, end - start + 1
                    break
                continue
            break


rows = sorted(
    ((length, f"{p}:{line}", name) for p in pathlib.Path("src").rglob("*.rs") for name, line, length in functions(p)),
    reverse=True,
)
for length, where, name in rows[:10]:
    print(f"{length:5} {where} {name}")
over = [r for r in rows if r[0] > LIMIT]
if over:
    print(f"{len(over)} function(s) over {LIMIT} lines", file=sys.stderr)
    sys.exit(1)
