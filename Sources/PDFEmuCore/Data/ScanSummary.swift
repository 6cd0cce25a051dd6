/// What `pdfemu inspect` reports about a scan.
package struct ScanSummary: Sendable, Codable {
    /// One parameter's sampled range.
    package struct Parameter: Sendable, Codable {
        package var name: String
        package var min: Double
        package var max: Double
        package var mean: Double
        package var std: Double
        /// Value at the best point.
        package var best: Double
    }
    /// One experiment's χ² at the best point.
    package struct Experiment: Sendable, Codable {
        package var name: String
        package var ndata: Int?
        package var chi2AtBest: Double
    }
    /// One Δχ² bin with its point count.
    package struct Bin: Sendable, Codable {
        package var range: String
        package var count: Int
    }
    package var files: [String]
    package var points: Int
    package var parameters: Int
    package var experiments: Int
    package var droppedRows: Int
    package var parameterStats: [Parameter]
    package var chi2Min: Double
    package var chi2Median: Double
    package var chi2Max: Double
    package var bestIndex: Int
    /// Points per bin of Δχ² above the sample minimum.
    package var deltaChi2Bins: [Bin]
    package var experimentStats: [Experiment]
    package var attributes: Provenance

    /// Summarises `scan`.
    package init(_ scan: ScanData) {
        let n = scan.count, p = scan.parameterCount
        files = scan.sources.map(\.path)
        points = n
        parameters = p
        experiments = scan.experimentCount
        droppedRows = scan.droppedRows
        let best = scan.bestIndex
        bestIndex = best
        var stats: [Parameter] = []
        for j in 0..<p {
            var lo = Double.infinity, hi = -Double.infinity, s = 0.0, s2 = 0.0
            for i in 0..<n {
                let v = scan.parameters[i * p + j]
                lo = Swift.min(lo, v); hi = Swift.max(hi, v); s += v
            }
            let m = s / Double(n)
            for i in 0..<n { let d = scan.parameters[i * p + j] - m; s2 += d * d }
            stats.append(Parameter(name: scan.parameterNames[j], min: lo, max: hi, mean: m,
                                   std: (s2 / Double(n)).squareRoot(), best: scan.parameters[best * p + j]))
        }
        parameterStats = stats
        let sorted = scan.chi2.sorted()
        chi2Min = sorted.first!
        chi2Max = sorted.last!
        chi2Median = Stats.quantileSorted(sorted, 0.5)
        var counts = [0, 0, 0, 0]
        for c in scan.chi2 { counts[DeltaChi2Bins.index(c - chi2Min)] += 1 }
        deltaChi2Bins = zip(DeltaChi2Bins.labels, counts).map { Bin(range: $0, count: $1) }
        let e = scan.experimentCount
        experimentStats = (0..<e).map { k in
            Experiment(name: scan.experimentNames[k],
                       ndata: scan.ndataPerExperiment.isEmpty ? nil : scan.ndataPerExperiment[k],
                       chi2AtBest: scan.chi2PerExperiment[best * e + k])
        }
        var attrs = Provenance()
        for s in scan.sources { for (k, v) in s.attributes where attrs[k] == nil { attrs[k] = v } }
        attributes = attrs
    }

    /// The human-readable report.
    package func text() -> String {
        var out = ""
        out += "scan: \(files.joined(separator: ", "))\n"
        out += "N = \(points) points, P = \(parameters) parameters, E = \(experiments) experiments"
        out += droppedRows > 0 ? "; \(droppedRows) rows dropped (NaN/Inf)\n" : "; no rows dropped\n"
        let w = max(10, (parameterStats.map(\.name.count).max() ?? 0) + 2)
        out += "\n" + Fmt.pad("parameter", w) + ["min", "max", "mean", "std", "best point"].map { Fmt.pad($0, 14, right: true) }.joined() + "\n"
        for s in parameterStats {
            out += Fmt.pad(s.name, w) + [s.min, s.max, s.mean, s.std, s.best].map { Fmt.num($0, width: 14) }.joined() + "\n"
        }
        out += "\nchi2: min \(Fmt.fixed(chi2Min, 3))  median \(Fmt.fixed(chi2Median, 3))  max \(Fmt.fixed(chi2Max, 3))  (best point: row \(bestIndex))\n"
        out += "points by delta-chi2 above the sample minimum:\n"
        for b in deltaChi2Bins { out += "  " + Fmt.pad(b.range, 10) + Fmt.pad(String(b.count), 8, right: true) + "\n" }
        if !experimentStats.isEmpty {
            out += "\nper-experiment chi2 at the best point:\n"
            for e in experimentStats {
                let nd = e.ndata.map { " (ndata \($0), chi2/ndata \(Fmt.fixed(e.chi2AtBest / Double($0), 3)))" } ?? ""
                let w = (experimentStats.map(\.name.count).max() ?? 0) + 2
                out += "  " + Fmt.pad(e.name, w) + Fmt.pad(Fmt.fixed(e.chi2AtBest, 3), 10, right: true) + nd + "\n"
            }
        }
        return out
    }
}
