#!/usr/bin/env python3
"""Writes the small scan-file fixtures the tests read (h5py + numpy).

Run from anywhere:  python3 Tests/PDFEmuTests/Fixtures/make_fixtures.py
The files are committed; rerun only when this script changes. Every value is given by a formula (below)
that is exact in float32 too, so the Swift tests recompute the expected values instead of storing them.

Formulas for scan row i (0-based, across files: good_b.h5 continues at i = 20) and parameter j,
experiment e:
    parameters[i, j]          = (i - 10) * 0.375 + 1.5 * j
    chi2[i]                   = 100 + 0.25 * (i - 7)**2
    chi2_per_experiment[i, e] = 10 * (e + 1) + 0.125 * i
Parameter names: PARAMS; experiment names: EXPERIMENTS; ndata_per_experiment: NDATA.
"""
import os

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
N, P, E = 20, 3, 2
PARAMS = ["alpha", "beta", "gamma"]
EXPERIMENTS = ["HERA_NC", "HERA_CC"]
NDATA = [120, 35]
# Files readable by HDF5 1.10 (Debian 12's libhdf5) whatever HDF5 h5py bundles.
LIBVER = ("earliest", "v108")
VLEN = h5py.string_dtype("utf-8")


def rows(start, n):
    i = np.arange(start, start + n, dtype=np.float64)[:, None]
    j = np.arange(P, dtype=np.float64)[None, :]
    e = np.arange(E, dtype=np.float64)[None, :]
    params = (i - 10) * 0.375 + 1.5 * j
    chi2 = 100 + 0.25 * (i[:, 0] - 7) ** 2
    per = 10 * (e + 1) + 0.125 * i
    return params, chi2, per


def path(name):
    return os.path.join(HERE, name)


def new(name):
    return h5py.File(path(name), "w", libver=LIBVER)


def write_scan(name, start=0, n=N, dtype=np.float64, transposed=False, names=PARAMS,
               pname="parameters", cname="chi2"):
    params, chi2, per = rows(start, n)
    with new(name) as f:
        data = params.T if transposed else params
        f.create_dataset(pname, data=data.astype(dtype), chunks=(min(8, data.shape[0]), data.shape[1]),
                         compression="gzip", compression_opts=4, shuffle=True)
        f.create_dataset(cname, data=chi2.astype(dtype), chunks=(min(8, n),), compression="gzip",
                         compression_opts=4, shuffle=True)
        f.create_dataset("chi2_per_experiment", data=per.astype(dtype), chunks=(min(8, n), E),
                         compression="gzip", compression_opts=4, shuffle=True)
        if names is not None:
            f.create_dataset("parameter_names", data=np.array(names, dtype=object), dtype=VLEN)
        # Fixed-length byte strings, as in the bundled hera14_train.h5.
        f.create_dataset("experiment_names", data=np.array([s.encode() for s in EXPERIMENTS], dtype="S7"))
        f.create_dataset("ndata_per_experiment", data=np.array(NDATA, dtype=np.int64))
        f.attrs["description"] = "pdfemu test fixture " + name
        f.attrs["generator"] = "Tests/PDFEmuTests/Fixtures/make_fixtures.py"
        f.attrs["n_points"] = np.int64(n)
        f.attrs["chi2_offset"] = np.float64(100.0)
        f.attrs["fixed_note"] = np.bytes_(b"fixed-length attribute")


def main():
    # Good inputs.
    write_scan("good.h5")
    write_scan("good_b.h5", start=N, n=10)
    write_scan("good_f32.h5", dtype=np.float32)
    write_scan("transposed.h5", transposed=True)
    params, chi2, _ = rows(0, N)
    with new("othernames.h5") as f:  # /theta and /chisq, no names, no per-experiment chi2
        f.create_dataset("theta", data=params)
        f.create_dataset("chisq", data=chi2)
    params, chi2, per = rows(0, 10)
    params[2, 1] = np.nan
    chi2[5] = np.inf
    per[7, 0] = -np.inf
    with new("nonfinite.h5") as f:  # rows 2, 5, 7 are dropped
        f.create_dataset("parameters", data=params)
        f.create_dataset("chi2", data=chi2)
        f.create_dataset("chi2_per_experiment", data=per)
        f.create_dataset("parameter_names", data=np.array(PARAMS, dtype=object), dtype=VLEN)
        f.create_dataset("experiment_names", data=np.array(EXPERIMENTS, dtype=object), dtype=VLEN)

    # Bad inputs.
    with open(path("not_hdf5.h5"), "w") as f:
        f.write("this is a text file, not HDF5\n")
    with open(path("good.h5"), "rb") as f:
        blob = f.read()
    with open(path("truncated.h5"), "wb") as f:
        f.write(blob[: len(blob) // 2])
    params, chi2, _ = rows(0, N)
    with new("missing_chi2.h5") as f:
        f.create_dataset("parameters", data=params)
    with new("params_1d.h5") as f:
        f.create_dataset("parameters", data=params[:, 0])
        f.create_dataset("chi2", data=chi2)
    with new("chi2_string.h5") as f:
        f.create_dataset("parameters", data=params)
        f.create_dataset("chi2", data=np.array([str(c) for c in chi2], dtype=object), dtype=VLEN)
    with new("n_mismatch.h5") as f:
        f.create_dataset("parameters", data=params)
        f.create_dataset("chi2", data=chi2[:15])
    with new("names_wrong_length.h5") as f:
        f.create_dataset("parameters", data=params)
        f.create_dataset("chi2", data=chi2)
        f.create_dataset("parameter_names", data=np.array(PARAMS + ["delta"], dtype=object), dtype=VLEN)
    with new("empty.h5") as f:
        f.create_dataset("parameters", data=np.zeros((0, P)))
        f.create_dataset("chi2", data=np.zeros((0,)))
    with new("all_nan.h5") as f:
        f.create_dataset("parameters", data=params)
        f.create_dataset("chi2", data=np.full(N, np.nan))
    with new("names_differ.h5") as f:  # same shapes as good.h5, other parameter names
        f.create_dataset("parameters", data=params)
        f.create_dataset("chi2", data=chi2)
        f.create_dataset("parameter_names", data=np.array(["alpha", "beta", "delta"], dtype=object), dtype=VLEN)
        f.create_dataset("chi2_per_experiment", data=rows(0, N)[2])
        f.create_dataset("experiment_names", data=np.array(EXPERIMENTS, dtype=object), dtype=VLEN)


if __name__ == "__main__":
    main()
