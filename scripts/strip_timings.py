"""Removes what differs between two runs by nature from the outputs of scripts/compare-binaries.sh:
timing fields of JSON files (keys naming seconds, times, rates, dates, the command line), and
timing numbers in the text the commands print. JSON (and JSON-lines) files are rewritten
pretty-printed with sorted keys so that a diff shows fields."""
import json
import os
import re
import sys

TIMING_KEY = re.compile(
    r"(second|time|timing|elapsed|rate|gflop|date|started|finished|wall|duration|load|command_line|hostname)",
    re.I,
)
# Fields issue 20 adds to the trap record (and `broken_at`, redefined from the outcome): removed
# from both sides so that what remains must be byte-identical. The trap line's verdict is cut too.
ADDED = {"trapped_pairs", "trapped_accuracy", "escaped_at", "escape_asymmetry", "broken_at"}
TEXT = [
    (re.compile(r"(growth rate [^,;]*)(, broken \(> 1e-3\) at .*|; (never escaped|escaped at|no trapped).*)"), r"\1 <verdict>"),
    (re.compile(r"memory: peak [0-9.]+ MiB"), "memory: peak <mem>"),
    (re.compile(r"\b(kernel|solve|predict|predictions|agop|AGOP|eig) \d+\.\d+"), r"\1 <t>"),
    (re.compile(r"\d+(\.\d+)?\s*(s|ms|µs|min)\b"), "<time>"),
    (re.compile(r"\d+(\.\d+)? GFLOP/s"), "<rate>"),
    (re.compile(r"load (average )?≈? ?\d+(\.\d+)?"), "load <x>"),
]


def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if not TIMING_KEY.search(k) and k not in ADDED}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v


def strip_md_columns(text):
    """Blanks the columns of markdown tables whose header names a time."""
    out, drop = [], set()
    for line in text.splitlines():
        if line.startswith("|"):
            cells = line.split("|")
            if not drop and any(TIMING_KEY.search(c) for c in cells):
                drop = {i for i, c in enumerate(cells) if TIMING_KEY.search(c)}
            line = "|".join("" if i in drop else c for i, c in enumerate(cells))
        else:
            drop = set()
        out.append(line)
    return "\n".join(out) + "\n"


def clean_json_text(text):
    try:
        return json.dumps(strip(json.loads(text)), indent=1, sort_keys=True) + "\n"
    except ValueError:
        lines = []
        for line in text.splitlines():
            try:
                lines.append(json.dumps(strip(json.loads(line)), sort_keys=True))
            except ValueError:
                lines.append(line)
        return "\n".join(lines) + "\n"


for root in sys.argv[1:]:
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            if f.endswith((".json", ".jsonl")):
                with open(p) as h:
                    text = h.read()
                with open(p, "w") as h:
                    h.write(clean_json_text(text))
            elif f.endswith(".csv") and "summary" in f:
                # timing columns of report tables
                with open(p) as h:
                    rows = [line.split(",") for line in h.read().splitlines()]
                if rows:
                    drop = {i for i, name in enumerate(rows[0]) if TIMING_KEY.search(name)}
                    with open(p, "w") as h:
                        for r in rows:
                            h.write(",".join(x for i, x in enumerate(r) if i not in drop) + "\n")
            elif f.endswith((".stdout", ".stderr", ".md")):
                with open(p) as h:
                    text = h.read()
                for pat, rep in TEXT:
                    text = pat.sub(rep, text)
                if f.endswith(".md"):
                    text = strip_md_columns(text)
                with open(p, "w") as h:
                    h.write(text)
