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
TEXT = [
    (re.compile(r"\d+(\.\d+)?\s*(s|ms|µs|min)\b"), "<time>"),
    (re.compile(r"\d+(\.\d+)? GFLOP/s"), "<rate>"),
    (re.compile(r"load (average )?≈? ?\d+(\.\d+)?"), "load <x>"),
]


def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if not TIMING_KEY.search(k)}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v


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
            elif f.endswith((".stdout", ".stderr", ".md")):
                with open(p) as h:
                    text = h.read()
                for pat, rep in TEXT:
                    text = pat.sub(rep, text)
                with open(p, "w") as h:
                    h.write(text)
