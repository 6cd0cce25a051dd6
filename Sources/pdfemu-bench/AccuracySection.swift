import Foundation
import PDFEmu

extension BenchSection {
    /// Output structures side by side on held-out points of the bundled scan (issue 11).
    static let accuracy = BenchSection(
        name: "accuracy",
        summary: "output structures × Δχ² bins RMS × false valleys × calibrated coverage on 10,000 held-out points of a scan (PDFEMU_ACCURACY_SCAN, default Datasets/hera14_train.h5)",
        run: AccuracyBench.run, child: nil)
}

/// The accuracy section. The held-out split is fixed: a `SeededGenerator(seed: 0xACC)` shuffle of the
/// scan's row indices; its first 10,000 rows are held out (never written to the fit file), the rest are
/// written, in shuffled order, to `.build/bench-data/accuracy/fit_rows.h5`, which every fit splits
/// again (train/validation/test by the config's seed). False valleys: local minimisations bounded to the
/// training box from the first 200 rows of the fit file. Environment: `PDFEMU_ACCURACY_EPOCHS` (20),
/// `PDFEMU_ACCURACY_HIDDEN` (64,64,64), `PDFEMU_ACCURACY_MEMBERS` (3), `PDFEMU_ACCURACY_SOS` (M, 32),
/// `PDFEMU_ACCURACY_SEED` (the fits' seed: their split of the fit rows, initialisation, shuffling; 1),
/// `PDFEMU_ACCURACY_STRUCTURES` (a comma list of the labels below; all by default), `PDFEMU_ACCURACY_SCAN`;
/// `PDFEMU_ACCURACY_TRUTH=FK_FILE` (with `PDFEMU_ACCURACY_TRUTH_FREE`, `_FIX` name=value,…, `_Q2MIN`: the
/// scan's theory configuration, checked at its best point) also judges the minimisations' ends against
/// the true χ²; `PDFEMU_ACCURACY_REUSE=FILE` calibrates and measures that emulator instead of fitting (same config);
/// `PDFEMU_ACCURACY_LOSS` adds one more structure, a `loss` section in JSON, labelled `PDFEMU_ACCURACY_LABEL` (custom).
enum AccuracyBench {
    static let heldOut = 10_000, starts = 200, seed: UInt64 = 0xACC

    /// The structures compared: label and the config's `loss` section (every key spelled out; the first is the default).
    static let structures: [(label: String, loss: String)] = [
        ("sum_of_squares+linear+w2+cut1000", #"{"output_structure": "sum_of_squares", "sos_components": M, "target_transform": "linear", "weighting": "inverse", "scale": 2, "weight_power": 2, "max_delta_chi2": 1000}"#),
        ("sum_of_squares+linear+w2", #"{"output_structure": "sum_of_squares", "sos_components": M, "target_transform": "linear", "weighting": "inverse", "scale": 2, "weight_power": 2, "max_delta_chi2": null}"#),
        ("direct+log1p", #"{"output_structure": "direct", "target_transform": "log1p", "target_scale": 20, "weighting": "inverse", "scale": 10, "weight_power": 1, "max_delta_chi2": null}"#),
        ("direct+linear", #"{"output_structure": "direct", "target_transform": "linear", "weighting": "inverse", "scale": 10, "weight_power": 1, "max_delta_chi2": null}"#),
        ("sum_of_squares+linear", #"{"output_structure": "sum_of_squares", "sos_components": M, "target_transform": "linear", "weighting": "inverse", "scale": 10, "weight_power": 1, "max_delta_chi2": null}"#),
        ("sum_of_squares+log1p", #"{"output_structure": "sum_of_squares", "sos_components": M, "target_transform": "log1p", "target_scale": 20, "weighting": "inverse", "scale": 10, "weight_power": 1, "max_delta_chi2": null}"#),
    ]

    static func env(_ k: String, _ def: String) -> String { ProcessInfo.processInfo.environment[k] ?? def }

    static func run() throws {
        let source = env("PDFEMU_ACCURACY_SCAN", "Datasets/hera14_train.h5")
        let epochs = env("PDFEMU_ACCURACY_EPOCHS", "20"), hidden = env("PDFEMU_ACCURACY_HIDDEN", "64,64,64")
        let members = env("PDFEMU_ACCURACY_MEMBERS", "3"), m = env("PDFEMU_ACCURACY_SOS", "32")
        let fitSeed = env("PDFEMU_ACCURACY_SEED", "1")
        var structures = Self.structures
        if let custom = ProcessInfo.processInfo.environment["PDFEMU_ACCURACY_LOSS"] {
            structures.append((label: env("PDFEMU_ACCURACY_LABEL", "custom"), loss: custom))
        }
        let chosen = env("PDFEMU_ACCURACY_STRUCTURES", structures.map(\.label).joined(separator: ",")).split(separator: ",").map(String.init)
        let scan = try ScanReader.read([source])
        var order = Array(0..<scan.count)
        var rng = SeededGenerator(seed: seed)
        rng.shuffle(&order)
        let held = subset(scan, Array(order[0..<heldOut])), fitRows = subset(scan, Array(order[heldOut...]))
        let dir = try BenchData.scratch(env("PDFEMU_ACCURACY_DIR", "accuracy"))
        let fitFile = dir + "/fit_rows.h5"
        try write(fitRows, to: fitFile)
        let startPoints = (0..<starts).map { fitRows.point($0) }
        print("\(source): \(heldOut) held-out rows (seed \(seed) permutation), \(fitRows.count) fit rows in \(fitFile)")
        print("equal budgets: \(epochs) epochs, hidden \(hidden), silu, \(members) members, float32, batch 256, 2 threads, fit seed \(fitSeed); sum_of_squares M = \(m)")
        print("load before: " + loadAverage())
        // The truth at the minimisations' ends, for scans made from the theory (`pdfemu sample --theory`).
        var truth: (([Double]) -> Double)?
        if let fk = ProcessInfo.processInfo.environment["PDFEMU_ACCURACY_TRUTH"] {
            let free = env("PDFEMU_ACCURACY_TRUTH_FREE", "").split(separator: ",").map(String.init)
            var fixed: [String: Double] = [:]
            for item in env("PDFEMU_ACCURACY_TRUTH_FIX", "").split(separator: ",") {
                let kv = item.split(separator: "=")
                guard kv.count == 2, let v = Double(kv[1]) else {
                    throw PDFEmuError(.key(file: nil, key: "PDFEMU_ACCURACY_TRUTH_FIX"), "\"\(item)\" is not name=value")
                }
                fixed[String(kv[0])] = v
            }
            let q2 = Double(env("PDFEMU_ACCURACY_TRUTH_Q2MIN", "")) ?? TheoryOptions.defaultQ2Min
            let theory = try FKChiSquare.read(fk, options: TheoryOptions(fixed: fixed, free: free.isEmpty ? nil : free, q2Min: q2))
            guard theory.parameterNames == scan.parameterNames else {
                throw PDFEmuError(.key(file: nil, key: "PDFEMU_ACCURACY_TRUTH"), "the theory's free parameters \(theory.parameterNames) are not the scan's \(scan.parameterNames)")
            }
            let best = scan.chi2.indices.min { scan.chi2[$0] < scan.chi2[$1] }!
            let check = theory.value(at: scan.point(best))
            guard abs(check - scan.chi2[best]) <= 1e-6 * scan.chi2[best] else {
                throw PDFEmuError(.key(file: nil, key: "PDFEMU_ACCURACY_TRUTH"), "the theory gives χ² \(check) at the scan's best point, the scan \(scan.chi2[best]): another configuration")
            }
            truth = { theory.value(at: $0) }
            print("truth at the minimisations' ends: \(fk) (reproduces the scan's best χ² \(Fmt.fixed(scan.chi2[best], 4)))")
        }
        let fitMinimum = fitRows.chi2.min()!
        var perBin = [Int](repeating: 0, count: DeltaChi2Bins.labels.count)
        for c in held.chi2 { perBin[DeltaChi2Bins.index(c - fitMinimum)] += 1 }
        print("held-out points per bin (Δχ² above the fit rows' minimum): "
              + zip(DeltaChi2Bins.labels, perBin).map { "\($0) \($1)" }.joined(separator: ", "))
        print(HeldOutAccuracy.header(truth: truth != nil))
        for s in structures where chosen.contains(s.label) {
            let text = """
            {"data": {"files": ["\(fitFile)"]},
             "network": {"hidden": [\(hidden)], "members": \(members)},
             "training": {"epochs": \(epochs), "max_minutes": 0, "threads": 2},
             "loss": \(s.loss.replacingOccurrences(of: ": M", with: ": \(m)")),
             "seed": \(fitSeed), "output": "\(dir)/\(s.label).h5"}
            """
            let cfgPath = dir + "/\(s.label).json"
            try Data(text.utf8).write(to: URL(fileURLWithPath: cfgPath))
            let cfg = try FitConfig.read(cfgPath)
            let t0 = Date()
            if let reuse = ProcessInfo.processInfo.environment["PDFEMU_ACCURACY_REUSE"] {
                // An emulator this section fitted before with the same config: calibrated again on the
                // same validation rows (the config's split of the same fit rows), then measured.
                var emulator = try Emulator.load(reuse)
                let fitScan = try ScanReader.read([fitFile])
                let data = try TrainingData<Float>(scan: fitScan, config: cfg)
                let coverage = FitRunner.calibrate(&emulator, scan: fitScan, validationRows: data.validationRows, testRows: data.testRows)
                let r = HeldOutAccuracy.measure(emulator, heldOut: held, starts: startPoints, truth: truth)
                let factors: String = emulator.calibration?.factorsText(labels: DeltaChi2Bins.labels) ?? "-"
                let shares: [String] = (coverage.first?.bins ?? []).map { (b: SpreadCoverage.Bin) -> String in b.within2.map { Fmt.fixed(100 * $0, 1) } ?? "-" }
                print(r.row(s.label) + "  (\(reuse) calibrated again: \(factors); validation 2σ \(shares.joined(separator: "/")))")
                continue
            }
            let fit = try FitRunner.run(config: cfg, options: FitOptions(output: cfg.output))
            let r = HeldOutAccuracy.measure(fit.emulator, heldOut: held, starts: startPoints, truth: truth)
            let rate = fit.report.throughput.map { "\(Int($0.samplesPerSecond)) samples/s, \(Fmt.fixed(100 * $0.share, 0))% of GEMM peak" } ?? "-"
            print(r.row(s.label) + "  (epochs \(fit.report.epochs.map(String.init).joined(separator: ",")); \(Fmt.fixed(Date().timeIntervalSince(t0), 0)) s, \(rate), load " + loadAverage() + ")")
        }
    }

    /// Rows `rows` of `scan`, in that order.
    static func subset(_ scan: ScanData, _ rows: [Int]) -> ScanData {
        let e = scan.experimentCount
        return ScanData(parameterNames: scan.parameterNames, parameters: rows.flatMap { scan.point($0) }, chi2: rows.map { scan.chi2[$0] },
                        experimentNames: scan.experimentNames,
                        chi2PerExperiment: rows.flatMap { Array(scan.chi2PerExperiment[($0 * e)..<(($0 + 1) * e)]) })
    }

    /// A scan file of `scan` (parameters, χ², per-experiment χ², names).
    static func write(_ scan: ScanData, to path: String) throws {
        try AtomicOutput.write(to: path) { tmp in
            let f = try HDF5File(create: tmp)
            try f.writePoints(scan.parameters, parameterNames: scan.parameterNames)
            try f.write("/chi2", scan.chi2, shape: [scan.count])
            if scan.experimentCount > 0 {
                try f.write("/chi2_per_experiment", scan.chi2PerExperiment, shape: [scan.count, scan.experimentCount])
                try f.writeStrings("/experiment_names", scan.experimentNames)
            }
            try f.flush()
        }
    }

    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    }
}
