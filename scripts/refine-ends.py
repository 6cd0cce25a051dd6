#!/usr/bin/env python3
"""Counts a refined scan's profile ends against an exact scan: the README's refine table columns.

Usage: refine-ends.py PDFEMU EXACT.h5 REFINED.h5 [REFINE_SUMMARY.txt]
  PDFEMU        the pdfemu binary (its `compare --json` does the comparison)
  EXACT.h5      the exact scan (scan --theory ... --output)
  REFINED.h5    refine's --output
  REFINE_SUMMARY.txt  refine's printed summary, to count certified ends and those > 1% off
The two ill-defined ends of ../shared/datasets/README.md (Cg and Agp lower at Δχ² = 10) are left out.
"""
import json, re, subprocess, sys

pdfemu, exact, refined = sys.argv[1:4]
j = json.loads(subprocess.check_output([pdfemu, 'compare', exact, refined, '--json']))
ill = {('Cg', 10.0, 'lower'), ('Agp', 10.0, 'lower')}
ends = [e for e in j['ends'] if (e['parameter'], float(e['tolerance']), e['side']) not in ill]
errors = [abs(e['relativeError']) for e in ends if e.get('relativeError') is not None]
off = sorted(((abs(e['relativeError']) if e.get('relativeError') is not None else float('inf')),
              e['parameter'], float(e['tolerance']), e['side'])
             for e in ends if e.get('relativeError') is None or abs(e['relativeError']) > 0.01)[::-1]
print(f"ends {len(ends)}: within 1% {sum(x <= 0.01 for x in errors)}, within 5% {sum(x <= 0.05 for x in errors)}; "
      f"chi2_min - exact {j['deltaChi2Min']:+.4f}")
print("  > 1% off:", ", ".join(f"{p} {t:g} {s} " + ("open" if x == float('inf') else f"{100 * x:.1f}%") for x, p, t, s in off))
if len(sys.argv) > 4:
    text = open(sys.argv[4]).read()
    certified = [m.groups() for m in (re.match(r'profile/(\S+) T2=(\S+) (\S+)\s.*\scertified', l) for l in text.splitlines()) if m]
    offset = {(p, t, s) for _, p, t, s in off}
    wrong = [f"{p} {t} {s}" for p, t, s in certified if (p, float(t), s) in offset]
    print(f"  certified ends {len(certified)} (of them > 1% off: {len(wrong)} {wrong})")
    for line in text.splitlines():
        if 'evaluations in' in line:
            print("  " + line)
