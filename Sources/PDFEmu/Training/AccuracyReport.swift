/// Accuracy of an emulator on held-out points, binned by the true Δχ² above the sample minimum:
/// [0,1), [1,10), [10,100), ≥100. All errors in χ² units (|Δχ²_emu − Δχ²_true|).
public struct AccuracyReport: Sendable, Codable, Equatable {
    /// One bin's figures.
    public struct Bin: Sendable, Codable, Equatable {
        /// "[0,1)" etc.
        public var range: String
        /// Points in the bin.
        public var count: Int
        /// RMS of the error (nil for an empty bin).
        public var rms: Double?
        /// Mean of |error| (nil for an empty bin).
        public var meanAbs: Double?
        /// Largest |error| (nil for an empty bin).
        public var maxAbs: Double?
    }
    /// One output's bins.
    public struct Output: Sendable, Codable, Equatable {
        /// "total" or the experiment name.
        public var name: String
        /// The four bins.
        public var bins: [Bin]
    }
    /// Which split ("test").
    public var split: String
    /// The total χ² and then each experiment, binned by the true total Δχ².
    public var outputs: [Output]
    /// Training time in seconds (all members).
    public var trainingSeconds: Double
    /// Epochs run by each member.
    public var epochs: [Int]
    /// Why each member stopped.
    public var stopReasons: [String]
    /// Best validation RMS of each member (χ², weighted).
    public var validationRMS: [Double]

    /// Computes the bins from predictions and truths of each output (`truth[o][i]`, `predicted[o][i]`),
    /// binned by `deltaChi2` (the true total Δχ² of point i).
    public static func bins(name: String, truth: [Double], predicted: [Double], deltaChi2: [Double]) -> Output {
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
    public func text() -> String {
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
        return s
    }
}
