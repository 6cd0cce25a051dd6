# pdfemu — build, set-up and checks. `make demo` and `make test` do all set-up on a fresh Debian machine.
SWIFT ?= swift
APT_PACKAGES := libhdf5-dev libopenblas-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN := .build/release/pdfemu

.PHONY: accuracy setup build cluster-setup cluster-test soak release demo demo-bundled test fuzz bench clean examples closure peer

## setup: install the Debian packages pdfemu needs (does nothing when all are there)
setup:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "setup: installing$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	else echo "setup: $(APT_PACKAGES) already installed"; fi

## build: release build of the pdfemu tool
build: setup
	$(SWIFT) build -c release --product pdfemu

## demo: the main job, end to end on the embedded exact theory (≈ 10 min on 2 cores): sample a training
## design from the bundled HERA FK χ², fit an emulator on it, scan the emulator and the exact theory with
## the same options, compare the two (table, JSON, overlaid SVG profiles in out/compare); refine the emulator's answers
## on the exact theory (≤ 5,000 evaluations) and compare them with the exact scan; eigenvector sets of
## the exact theory at T² = 10, their PDF bands (out/bands/band_*.svg), the L2 sensitivities of Buv − Bdv (out/l2),
## and the Bayes factor of the bundled 14-parameter form against the same with Duv free (Configs/hera15_prior.json)
DEMO_THEORY := Datasets/hera_fk_nlo.h5
## --bound Bg=-0.5:2 keeps the scans in the valley of the minimum (the deeper unphysical valleys sit at
## Bg ≈ Bgp ≈ −0.9; without a bound the exact scan finds one and restarts there, the emulator knows none of it)
DEMO_SCAN := --params all --tolerance 1,10 --contour ADbar,BDbar --bound Bg=-0.5:2 \
  --range "Cg=2.5:10,Bgp=-0.98:0,Buv=0.45:0.8,CUbar=0.5:12,DUbar=-5:32,CDbar=0.3:25,BDbar=-0.26:-0.17,Agp=-0.2:1.6"
demo: build
	$(BIN) info
	mkdir -p out
	$(BIN) sample --theory $(DEMO_THEORY) --n 20000 --seed 7 --output out/demo_design.h5
	$(BIN) inspect out/demo_design.h5
	$(BIN) fit Configs/demo_theory.json --output out/demo_emulator.h5
	$(BIN) scan --emulator out/demo_emulator.h5 $(DEMO_SCAN) --plot out/plots_emulator --output out/demo_scan_emulator.h5
	$(BIN) scan --theory $(DEMO_THEORY) $(DEMO_SCAN) --plot out/plots_theory --output out/demo_scan_theory.h5
	$(BIN) compare out/demo_scan_theory.h5 out/demo_scan_emulator.h5 --plot out/compare --output out/demo_compare.json
	-$(BIN) refine --emulator out/demo_emulator.h5 --scan out/demo_scan_emulator.h5 --oracle fk:$(DEMO_THEORY) \
	  --bound Bg=-0.5:2 --budget 5000 --output out/demo_refined.h5
	$(BIN) compare out/demo_scan_theory.h5 out/demo_refined.h5 --output out/demo_compare_refined.json
	$(BIN) eigen --theory $(DEMO_THEORY) --tolerance 10 --no-lagrange --output out/hera_sets.h5
	$(BIN) bands --theory $(DEMO_THEORY) --sets out/hera_sets.h5 --output out/hera_bands.h5 --plot out/bands
	$(BIN) l2 --theory $(DEMO_THEORY) --quantity "Buv - Bdv" --tolerance 4 --plot out/l2
	$(BIN) evidence --theory $(DEMO_THEORY) --free-b Bg,Cg,Agp,Bgp,Buv,Cuv,Duv,Euv,Bdv,Cdv,CUbar,DUbar,ADbar,BDbar,CDbar \
	  --prior-file Configs/hera15_prior.json
	rm -rf out/demo_learn
	-$(BIN) learn Configs/learn_hera14.json --oracle fk:$(DEMO_THEORY) --initial 2000 --batch 2000 --budget 8000 \
	  --tolerance 1,10 --bound Bg=-0.5:2 --refit-epochs 100 --profile-grid adaptive --state out/demo_learn
	cat out/demo_learn/rounds.tsv
	@echo "learning curve: out/demo_learn/curve.tsv, out/demo_learn/curve.svg"

## demo-bundled: the previous main job on the bundled scan: fit, predict, scan with plots
demo-bundled: build
	mkdir -p out
	$(BIN) fit Configs/hera14.json --output out/hera14_emulator.h5
	$(BIN) predict --emulator out/hera14_emulator.h5 --input Datasets/demo_points.h5
	$(BIN) scan --emulator out/hera14_emulator.h5 --params all --tolerance 1,10 --contour ADbar,BDbar \
	  --plot out/plots --output out/hera14_scan.h5

## closure: the bundled emulator against the exact MINUIT answers (../shared/datasets)
closure: build
	$(BIN) closure --emulator Datasets/hera14_emulator.h5 --reference ../shared/datasets/hera14_reference.json

## examples: build and run the downstream Examples package against the bundled emulator, then evaluate the
## demo points through its external oracle (AnalyticOracle) with `pdfemu chi2 --oracle`
examples: setup
	cd Examples && $(SWIFT) build && .build/debug/EmulatorDemo ../Datasets/hera14_emulator.h5
	$(SWIFT) build --product pdfemu
	mkdir -p out
	.build/debug/pdfemu chi2 --oracle 'Examples/.build/debug/AnalyticOracle {input} {output}' \
	  --input Datasets/demo_points.h5 --output out/demo_points_analytic.h5
	.build/debug/pdfemu inspect out/demo_points_analytic.h5

## cluster-setup: Debian's Slurm and MUNGE for the real-cluster tests (scripts/slurm-cluster.sh; exit 3 = could
## not install, and the cluster tests then say they were skipped)
cluster-setup:
	@scripts/slurm-cluster.sh install || [ $$? = 3 ]

## cluster-test: pdfemu chi2, learn and refine through Slurm array jobs on a real single-node Slurm started in a
## temporary directory (scripts/cluster-test.sh; faults: a cancelled task, damaged and foreign shards, a failing
## task, a task past its time limit, a killed learn and refine driver); says "skipped" in one line where Slurm
## cannot be installed
cluster-test: setup
	$(SWIFT) build --product pdfemu
	PDFEMU=$(CURDIR)/.build/debug/pdfemu scripts/cluster-test.sh

## test: all tests
test: setup
	$(SWIFT) build --build-tests --explicit-target-dependency-import-check error
	$(SWIFT) test --skip-build

## fuzz: a long fuzzing run of the CLI on mutated scans, emulators and configs (the test suite runs 240
## cases); FUZZ_CASES and FUZZ_SEED choose the size and the seed, failing inputs are kept in out/fuzz
FUZZ_CASES ?= 3000
FUZZ_SEED ?= $(shell date +%s)
fuzz: setup
	$(SWIFT) build --build-tests --explicit-target-dependency-import-check error
	mkdir -p out/fuzz
	PDFEMU_FUZZ_CASES=$(FUZZ_CASES) PDFEMU_FUZZ_SEED=$(FUZZ_SEED) PDFEMU_FUZZ_KEEP=$(CURDIR)/out/fuzz \
	  $(SWIFT) test --skip-build --filter CLIFuzzTests

## soak: the reliability soak of issue 17 — `make fuzz` with new seeds and the kill-at-random-instant test of
## learn --resume with new seeds, repeated until SOAK_MINUTES (default 30) have passed; stops at the first failure
SOAK_MINUTES ?= 30
soak: setup
	$(SWIFT) build --build-tests --explicit-target-dependency-import-check error
	mkdir -p out/fuzz
	@end=$$(( $$(date +%s) + 60 * $(SOAK_MINUTES) )); seed=1000; \
	while [ $$(date +%s) -lt $$end ]; do \
	  seed=$$((seed + 1)); echo "soak: seed $$seed"; \
	  PDFEMU_FUZZ_CASES=300 PDFEMU_FUZZ_SEED=$$seed PDFEMU_FUZZ_KEEP=$(CURDIR)/out/fuzz \
	    $(SWIFT) test --skip-build --filter CLIFuzzTests > out/soak_fuzz.log 2>&1 || { tail -20 out/soak_fuzz.log; exit 1; }; \
	  PDFEMU_KILL_SEED=$$seed $(SWIFT) test --skip-build --filter LearnExactlyOnceTests/testKillAtRandomSteps \
	    > out/soak_kill.log 2>&1 || { tail -20 out/soak_kill.log; exit 1; }; \
	done; echo "soak: clean for $(SOAK_MINUTES) minutes, seeds 1001..$$seed"

## bench: speed benchmarks (ratios measured side by side in one run); SECTIONS="train point" runs some
bench: setup peer
	$(SWIFT) build -c release --product pdfemu-bench
	.build/release/pdfemu-bench $(SECTIONS)

## accuracy: the default config judged on held-out points of three scans — the bundled one and two made
## here from the theory (16 parameters free; a Q² cut at 5 GeV² with another design mix) — with the true
## χ² at the minimisations' ends (docs/BENCHMARKS.md, "Accuracy"); about 45 minutes on 2 cores (1200 epochs)
ACC_DIR := .build/bench-data/scans
ACC_FREE16 := Bg,Cg,Agp,Bgp,Buv,Cuv,Duv,Euv,Bdv,Cdv,CUbar,DUbar,ADbar,BDbar,CDbar,fs
## (STRUCTURES=label, MEMBERS=, EPOCHS=, SOS= override the default's; PDFEMU_ACCURACY_LOSS adds a structure)
ACC_ENV := PDFEMU_ACCURACY_MEMBERS=$(or $(MEMBERS),2) PDFEMU_ACCURACY_HIDDEN=256,256,256 PDFEMU_ACCURACY_EPOCHS=$(or $(EPOCHS),1200) \
  PDFEMU_ACCURACY_SOS=$(or $(SOS),32) \
  PDFEMU_ACCURACY_STRUCTURES=$(or $(STRUCTURES),sum_of_squares+linear+w2+cut1000) PDFEMU_ACCURACY_TRUTH=$(DEMO_THEORY)
accuracy: build
	$(SWIFT) build -c release --product pdfemu-bench
	mkdir -p $(ACC_DIR)
	[ -f $(ACC_DIR)/hera16.h5 ] || $(BIN) sample --theory $(DEMO_THEORY) --free $(ACC_FREE16) --fix "" --n 30000 --seed 2 --output $(ACC_DIR)/hera16.h5
	[ -f $(ACC_DIR)/hera14_q2cut.h5 ] || $(BIN) sample --theory $(DEMO_THEORY) --q2-min 5 --mix 0.5,0.3,0.2 --delta-max 300 --n 25000 --seed 3 --output $(ACC_DIR)/hera14_q2cut.h5
	$(ACC_ENV) PDFEMU_ACCURACY_TRUTH_FIX=Duv=0,fs=0.4 .build/release/pdfemu-bench accuracy
	$(ACC_ENV) PDFEMU_ACCURACY_SCAN=$(ACC_DIR)/hera16.h5 PDFEMU_ACCURACY_TRUTH_FREE=$(ACC_FREE16) .build/release/pdfemu-bench accuracy
	$(ACC_ENV) PDFEMU_ACCURACY_SCAN=$(ACC_DIR)/hera14_q2cut.h5 PDFEMU_ACCURACY_TRUTH_FIX=Duv=0,fs=0.4 PDFEMU_ACCURACY_TRUTH_Q2MIN=5 .build/release/pdfemu-bench accuracy

## peer: the PyTorch/scipy/iminuit peer of ../shared/bench in ~/.peer-venv (PyPI; ~5.6 GB), once
PEER_VENV ?= $(HOME)/.peer-venv
peer:
	@[ -x $(PEER_VENV)/bin/python ] && $(PEER_VENV)/bin/python -c "import torch, scipy, iminuit, h5py" 2>/dev/null \
	  && echo "peer: $(PEER_VENV) ready" \
	  || { python3 -m venv $(PEER_VENV) && $(PEER_VENV)/bin/pip install -q -r ../shared/bench/requirements.txt; }

clean:
	rm -rf .build
