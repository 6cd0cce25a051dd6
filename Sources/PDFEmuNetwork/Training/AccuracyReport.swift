import PDFEmuCore
import PDFEmuIO
/// Accuracy of an emulator on held-out points, binned by the true Δχ² above the sample minimum:
/// [0,1), [1,10), [10,100), ≥100. All errors in χ² units (|Δχ²_emu − Δχ²_true|).
package struct AccuracyReport: Sendable, Codable, Equatable {
    /// One bin's figures.
    package struct Bin: Sendable, Codable, Equatable {
        /// "[0,1)" etc.
        package var range: String
        /// Points in the bin.
        package var count: Int
        /// RMS of the error (nil for an empty bin).
        package var rms: Double?
        /// Mean of |error| (nil for an empty bin).
        package var meanAbs: Double?
        /// Largest |error| (nil for an empty bin).
        package var maxAbs: Double?
    }
    /// One output's bins.
    package struct Output: Sendable, Codable, Equatable {
        /// "total" or the experiment name.
        package var name: String
        /// The four bins.
        package var bins: [Bin]
    }
    /// Which split ("test").
    package var split: String
    /// The total χ² and then each experiment, binned by the true total Δχ².
    package var outputs: [Output]
    /// Training time in wall seconds (all members; members trained together count once).
    package var trainingSeconds: Double
    /// Epochs run by each member.
    package var epochs: [Int]
    /// Why each member stopped.
    package var stopReasons: [String]
    /// Best validation RMS of each member (χ², weighted).
    package var validationRMS: [Double]
    /// What the emulator's spread is (`SpreadStatus.label`: "no ensemble spread: 1 member", calibrated…);
    /// nil in reports written before it was stored.
    package var spread: String?
    /// The spread calibration's factors as one line (nil: none).
    package var calibration: String?
    /// Coverage of the spread on the validation and test splits (nil for one member and older reports).
    package var coverage: [SpreadCoverage]?
    /// Training samples/s and the share of the GEMM peak (nil in older reports).
    package var throughput: TrainingThroughput?

    /// Computes the bins from predictions and truths of each output (`truth[o][i]`, `predicted[o][i]`),
    /// binned by `deltaChi2` (the true total Δχ² of point i).
    package static func bins(name: String, truth: [Double], predicted: [Double], deltaChi2: [Double]) -> Output {
        var groups = [[Double]](repeating: [], count: 4)
        for i in truth.indices { groups[DeltaChi2Bins.index(deltaChi2[i])].append(predicted[i] - truth[i]) }
        let bins = groups.enumerated().map { k, e -> Bin in
            let n = e.count
            return Bin(range: DeltaChi2Bins.labels[k], count: n,
                       rms: n == 0 ? nil : (e.reduce(0) { $0 + $1 * $1 } / Double(n)).squareRoot(),
                       meanAbs: n == 0 ? nil : e.reduce(0) { $0 + abs($1) } / Double(n),
                       maxAbs: n == 0 ? nil : e.reduce(0) { max($0, abs($1)) })
        }
        return Output(name: name, bins: bins)
    }

    /// The report as a table (χ² units).
    package func text() -> String {
        var s = "accuracy on the \(split) split: |Δχ²_emulator − Δχ²_true| in χ² units, binned by true Δχ² above the sample minimum\n"
        s += Fmt.pad("output", 20) + Fmt.pad("Δχ² bin", 10) + Fmt.pad("points", 8, right: true) + Fmt.pad("RMS", 11, right: true)
            + Fmt.pad("mean|err|", 11, right: true) + Fmt.pad("max|err|", 11, right: true) + "\n"
        for o in outputs {
            for (k, b) in o.bins.enumerated() {
                s += Fmt.pad(k == 0 ? o.name : "", 20) + Fmt.pad(b.range, 10) + Fmt.pad(String(b.count), 8, right: true)
                    + [b.rms, b.meanAbs, b.maxAbs].map { Fmt.pad($0.map { Fmt.fixed($0, 4) } ?? "-", 11, right: true) }.joined() + "\n"
            }
        }
        s += "training: \(Fmt.fixed(trainingSeconds, 1)) s, epochs per member \(epochs.map(String.init).joined(separator: ", "))"
        s += ", stopped by \(stopReasons.joined(separator: ", "))\n"
        if let throughput { s += throughput.text() + "\n" }
        if let spread, coverage == nil { s += spread + "\n" }
        if let calibration { s += calibration + "\n" }
        if let coverage, !coverage.isEmpty { s += SpreadCoverage.text(coverage) }
        return s
    }
}

/// How often the emulator's error lies within 1σ and 2σ of its stated spread, on one split, binned by
/// the true Δχ² like `AccuracyReport` — for the raw ensemble spread and the calibrated one.
package struct SpreadCoverage: Sendable, Codable, Equatable {
    /// One bin's shares (nil for an empty bin).
    package struct Bin: Sendable, Codable, Equatable {
        /// "[0,1)" etc.
        package var range: String
        /// Points in the bin.
        package var count: Int
        /// Share with |error| ≤ 1σ and ≤ 2σ of the raw spread.
        package var rawWithin1: Double?, rawWithin2: Double?
        /// Share with |error| ≤ 1σ and ≤ 2σ of the calibrated spread.
        package var within1: Double?, within2: Double?
    }
    /// Which split ("validation", "test").
    package var split: String
    /// The four bins.
    package var bins: [Bin]

    /// Coverage of errors (prediction − truth) by raw and calibrated spreads, binned by `deltaChi2` (true).
    package static func measure(split: String, errors: [Double], rawSpread: [Double], spread: [Double], deltaChi2: [Double]) -> SpreadCoverage {
        var groups = [[Int]](repeating: [], count: DeltaChi2Bins.labels.count)
        for i in errors.indices { groups[DeltaChi2Bins.index(deltaChi2[i])].append(i) }
        func share(_ idx: [Int], _ s: [Double], _ k: Double) -> Double? {
            idx.isEmpty ? nil : Double(idx.filter { abs(errors[$0]) <= k * s[$0] }.count) / Double(idx.count)
        }
        return SpreadCoverage(split: split, bins: groups.enumerated().map { k, idx in
            Bin(range: DeltaChi2Bins.labels[k], count: idx.count, rawWithin1: share(idx, rawSpread, 1), rawWithin2: share(idx, rawSpread, 2),
                within1: share(idx, spread, 1), within2: share(idx, spread, 2))
        })
    }

    /// The coverage table of several splits.
    package static func text(_ splits: [SpreadCoverage]) -> String {
        var s = "spread coverage: share of points with |error| within 1σ / 2σ (nominal 68.3% / 95.4%), binned by true Δχ²\n"
        s += Fmt.pad("split", 12) + Fmt.pad("Δχ² bin", 10) + Fmt.pad("points", 8, right: true)
            + ["raw 1σ", "raw 2σ", "calib 1σ", "calib 2σ"].map { Fmt.pad($0, 10, right: true) }.joined() + "\n"
        for c in splits {
            for (k, b) in c.bins.enumerated() {
                s += Fmt.pad(k == 0 ? c.split : "", 12) + Fmt.pad(b.range, 10) + Fmt.pad(String(b.count), 8, right: true)
                    + [b.rawWithin1, b.rawWithin2, b.within1, b.within2].map { Fmt.pad($0.map { Fmt.fixed(100 * $0, 1) + "%" } ?? "-", 10, right: true) }.joined() + "\n"
            }
        }
        return s
    }
}
