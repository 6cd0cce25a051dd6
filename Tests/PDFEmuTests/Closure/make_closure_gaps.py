#!/usr/bin/env python3
"""Writes closure_known_gaps.json from the table `pdfemu closure` prints (stdin): every interval end and
best-fit pull that misses its target, with its measured error. Usage:
  .build/release/pdfemu closure --emulator Datasets/hera14_emulator.h5 \
      --reference ../shared/datasets/hera14_reference.json | python3 Tests/PDFEmuTests/Closure/make_closure_gaps.py
"""
import json, re, sys, os

ends, pulls = {}, {}
for line in sys.stdin:
    f = line.split()
    if len(f) >= 5 and f[-1] == "FAIL" and re.match(r"^-?\d", f[-2]) and len(f) == 5:
        pulls[f[0]] = round(abs(float(f[3])), 3)          # name, exact, emulator, pull, FAIL
    elif len(f) >= 8 and f[2] in ("lower", "upper") and f[-1] == "FAIL":
        err = f[6]
        ends[f"{f[0]} {f[1]} {f[2]}"] = 1000 if err == "-" else round(float(err.rstrip("%")) / 100, 3)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "closure_known_gaps.json")
json.dump({"note": "measured errors (fraction of the exact half-width; pulls in Hesse sigma) of the targets the bundled "
           "emulator misses; written by make_closure_gaps.py", "ends": ends, "pulls": pulls}, open(out, "w"), indent=1, sort_keys=True)
print(f"{len(ends)} ends and {len(pulls)} pulls recorded in {out}")
