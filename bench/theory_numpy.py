"""The exact HERA χ² of Datasets/hera_fk_nlo.h5 written with numpy/scipy straight from the formulas of
shared/theory/README.md (the peer that `pdfemu-bench theory` compares with, same points, one run).

Usage: python theory_numpy.py THEORY.h5 SCAN.h5 N   → JSON on stdout: points, seconds (median of 3),
first χ² values and the largest relative difference from the scan file's /chi2.
Needs numpy, scipy, h5py (the peer venv of `make peer`).
"""
import json, sys, time
import h5py
import numpy as np
from scipy.linalg import cho_factor, solve_triangular
from scipy.special import beta as B

NAMES = "Bg Cg Agp Bgp Buv Cuv Duv Euv Bdv Cdv CUbar DUbar ADbar BDbar CDbar fs".split()


def load(path):
    with h5py.File(path, "r") as f:
        data, stat, unc = f["data"][:], f["stat"][:], f["uncorr_sys"][:]
        corr, fk, x = f["corr_sys"][:], f["fk"][:], f["xgrid"][:]
    cov = np.diag(stat ** 2 + unc ** 2) + corr @ corr.T
    L = cho_factor(cov, lower=True)[0]
    L = np.tril(L)
    return data, L, fk.reshape(fk.shape[0], -1), x


def pdfs(theta, x):
    """f_a(x_k) for every point: [P, 7, nx] in the order g, d, u, s, dbar, ubar, sbar."""
    p = {n: theta[:, i][:, None] for i, n in enumerate(NAMES)}
    Bg, Cg, Agp, Bgp = p["Bg"], p["Cg"], p["Agp"], p["Bgp"]
    Buv, Cuv, Duv, Euv, Bdv, Cdv = p["Buv"], p["Cuv"], p["Duv"], p["Euv"], p["Bdv"], p["Cdv"]
    CUbar, DUbar, ADbar, BDbar, CDbar, fs = p["CUbar"], p["DUbar"], p["ADbar"], p["BDbar"], p["CDbar"], p["fs"]
    AUbar, BUbar = ADbar * (1 - fs), BDbar
    Auv = 2 / (B(Buv, Cuv + 1) + Duv * B(Buv + 1, Cuv + 1) + Euv * B(Buv + 2, Cuv + 1))
    Adv = 1 / B(Bdv, Cdv + 1)
    Mq = (Auv * (B(Buv + 1, Cuv + 1) + Duv * B(Buv + 2, Cuv + 1) + Euv * B(Buv + 3, Cuv + 1)) + Adv * B(Bdv + 1, Cdv + 1)
          + 2 * AUbar * (B(BUbar + 1, CUbar + 1) + DUbar * B(BUbar + 2, CUbar + 1)) + 2 * ADbar * B(BDbar + 1, CDbar + 1))
    Ag = (1 - Mq + Agp * B(Bgp + 1, 26)) / B(Bg + 1, Cg + 1)
    xx = x[None, :]
    om = 1 - xx
    xg = Ag * xx ** Bg * om ** Cg - Agp * xx ** Bgp * om ** 25
    xuv = Auv * xx ** Buv * om ** Cuv * (1 + Duv * xx + Euv * xx ** 2)
    xdv = Adv * xx ** Bdv * om ** Cdv
    xUbar = AUbar * xx ** BUbar * om ** CUbar * (1 + DUbar * xx)
    xDbar = ADbar * xx ** BDbar * om ** CDbar
    xsbar, xdbar, xubar = fs * xDbar, (1 - fs) * xDbar, xUbar
    f = np.stack([xg, xdv + xdbar, xuv + xubar, xsbar, xdbar, xubar, xsbar], axis=1) / xx[:, None, :]
    f[:, :, x == 1] = 0
    return f


def chi2(theta, data, L, F, x):
    T = pdfs(theta, x).reshape(theta.shape[0], -1) @ F.T
    z = solve_triangular(L, (data[None, :] - T).T, lower=True)
    return (z ** 2).sum(axis=0)


def main():
    theory, scan, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    data, L, F, x = load(theory)
    with h5py.File(scan, "r") as f:
        names = [s.decode() if isinstance(s, bytes) else s for s in f["parameter_names"][:]]
        par = f["parameters"][:n]
        ref = f["chi2"][:n]
    theta = np.zeros((par.shape[0], 16))
    theta[:, NAMES.index("fs")] = 0.4   # the bundled 14-parameter case: Duv = 0, fs = 0.4 fixed
    for j, name in enumerate(names):
        theta[:, NAMES.index(name)] = par[:, j]
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        c = chi2(theta, data, L, F, x)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"points": int(theta.shape[0]), "seconds": float(np.median(times)), "first": c[:5].tolist(),
                      "max_rel_vs_file": float(np.max(np.abs(c - ref) / np.abs(ref)))}))


if __name__ == "__main__":
    main()
