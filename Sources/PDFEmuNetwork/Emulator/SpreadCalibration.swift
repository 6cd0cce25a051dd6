import Foundation
import PDFEmuCore
import PDFEmuIO

/// A per-bin calibration of the raw ensemble spread, fitted on the validation split so the stated σ
/// covers the emulator's error as stated. In each bin of the *predicted* Δχ² (lower edges `lowerEdges`;
/// a value below the first edge goes to the first bin) the stated spread is
/// σ = f·√(σ_raw² + τ²): the floor τ stands for the error the members share (a bias none of them sees,
/// so σ_raw misses it), the factor f for a raw spread that is too small or too large. τ is chosen from a
/// grid of multiples of the bin's RMS error (0 included) so that the share of validation points within
/// 1σ is closest to the Gaussian 68.27%; f is then the smallest factor for which a share `coverage` of
/// them has |error| ≤ `sigmas`·σ (95.45% within 2σ by default). Per bin and not a smooth function of the
/// prediction: the coverage targets are stated per bin, the validation split holds thousands of points
/// per bin (stable quantiles), and no functional form of the error against Δχ² has to be assumed; the
/// spread steps at the bin edges, which nothing differentiates. A bin with fewer than `minimumPoints`
/// validation points (often [0,1): few points lie that close to the minimum) keeps the RMS error of its
/// points as its scale (raised to its 95% upper bound, `upperBoundFactor`) and borrows the floor multiple
/// and the factor of the nearest bin that has enough; with fewer than `sparseMinimumPoints` it takes the
/// factor and floor of all points pooled. Stored in the emulator file's `/calibration` group
/// (docs/FORMAT.md); files of the first method (`per_bin_factor`) have no floors.
package struct SpreadCalibration: Sendable, Codable, Equatable {
    /// The method tag written to files.
    package static let method = "per_bin_factor_floor"
    /// The method of files written before the floor existed (floors 0).
    package static let factorOnlyMethod = "per_bin_factor"
    /// Fewest validation points a bin needs for its own factor.
    package static let minimumPoints = 20
    /// Fewest validation points a sparse bin needs to keep its own error scale.
    package static let sparseMinimumPoints = 3
    /// Floors tried, as multiples of the bin's RMS validation error.
    static let floorGrid: [Double] = [0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1, 1.5, 2, 3, 5]
    /// Lower edges of the predicted-Δχ² bins, increasing.
    package var lowerEdges: [Double]
    /// Factor f of each bin (> 0, finite).
    package var factors: [Double]
    /// Floor τ of each bin (χ² units, ≥ 0, finite).
    package var floors: [Double]
    /// Validation points of each bin the factor was fitted on (0: fewer than `minimumPoints`, borrowed or pooled).
    package var points: [Int]
    /// Share of points meant to lie within `sigmas`·σ.
    package var coverage: Double
    /// Multiple of σ the coverage refers to.
    package var sigmas: Double

    /// Creates a calibration from its parts (`floors` nil: all 0).
    package init(lowerEdges: [Double], factors: [Double], floors: [Double]? = nil, points: [Int], coverage: Double, sigmas: Double) {
        precondition(lowerEdges.count == factors.count && factors.count == points.count && !factors.isEmpty,
                     "one factor and point count per bin")
        precondition(floors == nil || floors!.count == factors.count, "one floor per bin")
        self.lowerEdges = lowerEdges
        self.factors = factors
        self.floors = floors ?? factors.map { _ in 0 }
        self.points = points
        self.coverage = coverage
        self.sigmas = sigmas
    }

    /// Bin index of a predicted Δχ².
    package func bin(_ predictedDeltaChi2: Double) -> Int {
        var k = 0
        for (i, e) in lowerEdges.enumerated() where predictedDeltaChi2 >= e { k = i }
        return k
    }

    /// The calibrated spread f·√(σ_raw² + τ²) of a raw spread at a predicted Δχ² (χ² units).
    package func apply(rawSpread: Double, predictedDeltaChi2: Double) -> Double {
        let k = bin(predictedDeltaChi2)
        // (Without a floor, the product alone: old files' spreads stay bit for bit what they were.)
        return floors[k] == 0 ? rawSpread * factors[k] : factors[k] * (rawSpread * rawSpread + floors[k] * floors[k]).squareRoot()
    }

    /// Fits the floors and factors from validation errors (prediction − truth), raw spreads and
    /// predicted Δχ². Nil when no finite factor exists (every spread and every error 0, or no points).
    package static func fit(errors: [Double], rawSpreads: [Double], predictedDeltaChi2: [Double],
                           lowerEdges: [Double], coverage: Double = 0.9545, sigmas: Double = 2) -> SpreadCalibration? {
        precondition(errors.count == rawSpreads.count && errors.count == predictedDeltaChi2.count)
        let shape = SpreadCalibration(lowerEdges: lowerEdges, factors: lowerEdges.map { _ in 1 }, points: lowerEdges.map { _ in 0 },
                                      coverage: coverage, sigmas: sigmas)
        var members = [[Int]](repeating: [], count: lowerEdges.count)
        for i in errors.indices { members[shape.bin(predictedDeltaChi2[i])].append(i) }
        func rms(_ rows: [Int]) -> Double { (rows.reduce(0) { $0 + errors[$1] * errors[$1] } / Double(max(1, rows.count))).squareRoot() }
        /// (f, τ = g·rms, g) for `rows`, g from `floorGrid` so that the 1σ share is closest to 68.27%.
        func solve(_ rows: [Int]) -> (factor: Double, floor: Double, multiple: Double)? {
            guard !rows.isEmpty else { return nil }
            let scale = rms(rows)
            var best: (factor: Double, floor: Double, multiple: Double, miss: Double)?
            for g in floorGrid {
                let tau = g * scale
                let ratios = rows.map { i -> Double in
                    let s = (rawSpreads[i] * rawSpreads[i] + tau * tau).squareRoot()
                    return s > 0 ? abs(errors[i]) / s : (errors[i] == 0 ? 0 : .infinity)
                }
                guard let f = factor(ratios, coverage: coverage, sigmas: sigmas) else { continue }
                let within1 = Double(ratios.filter { $0 <= f }.count) / Double(ratios.count)
                let miss = abs(within1 - 0.6827)
                if best == nil || miss < best!.miss - 1e-12 { best = (f, tau, g, miss) }
            }
            return best.map { ($0.factor, $0.floor, $0.multiple) }
        }
        guard let pooled = solve(Array(errors.indices)) else { return nil }
        let own = members.map { $0.count >= minimumPoints ? solve($0) : nil }
        var factors: [Double] = [], floors: [Double] = [], points: [Int] = []
        for (k, rows) in members.enumerated() {
            if let o = own[k] {
                factors.append(o.factor); floors.append(o.floor); points.append(rows.count)
                continue
            }
            // A sparse bin keeps its own error scale (the RMS of its few points) and borrows the shape —
            // the floor as a multiple of that RMS, and the factor — of the nearest bin that has its own.
            let near = own.indices.filter { own[$0] != nil }.min { abs($0 - k) < abs($1 - k) }
            let scale = rms(rows)
            if rows.count >= sparseMinimumPoints, scale > 0, let n = near, let borrowed = own[n] {
                factors.append(borrowed.factor); floors.append(borrowed.multiple * scale * upperBoundFactor(points: rows.count))
            } else {
                factors.append(pooled.factor); floors.append(pooled.floor)
            }
            points.append(0)
        }
        return SpreadCalibration(lowerEdges: lowerEdges, factors: factors, floors: floors, points: points, coverage: coverage, sigmas: sigmas)
    }

    /// √(n / χ²₀.₀₅(n)): the one-sided 95% upper bound of a Gaussian σ over the RMS of n values (the
    /// χ² quantile by the Wilson–Hilferty approximation) — a sparse bin's few points may show a small RMS
    /// by chance, and an error bar must not trust that.
    static func upperBoundFactor(points n: Int) -> Double {
        let k = Double(n), z = -1.6449
        let q = k * Foundation.pow(1 - 2 / (9 * k) + z * (2 / (9 * k)).squareRoot(), 3)
        return q > 0 ? (k / q).squareRoot() : 3
    }

    /// The smallest f with a share `coverage` of `ratios` (|error|/σ) ≤ sigmas·f; nil if not finite and positive.
    static func factor(_ ratios: [Double], coverage: Double, sigmas: Double) -> Double? {
        guard !ratios.isEmpty else { return nil }
        let sorted = ratios.sorted()
        let k = min(sorted.count - 1, max(0, Int((coverage * Double(sorted.count)).rounded(.up)) - 1))
        let f = sorted[k] / sigmas
        return f.isFinite && f > 0 ? f : nil
    }

    /// One line for reports: the method and the factors per bin.
    package func text(labels: [String]) -> String {
        "spread calibration (σ = f·√(σ_raw² + τ²), \(Fmt.fixed(100 * coverage, 2))% of validation points within \(Fmt.fixed(sigmas, 0))σ per predicted-Δχ² bin, τ for 68.27% within 1σ): "
            + factorsText(labels: labels)
    }

    /// The factors and floors per bin ("[0,1) ×1.234 τ 0.0100, …"; "(few points)" marks a bin with fewer than `minimumPoints`).
    package func factorsText(labels: [String]) -> String {
        factors.indices.map { k in
            "\(k < labels.count ? labels[k] : "≥\(lowerEdges[k])") ×\(Fmt.fixed(factors[k], 3))"
                + (floors[k] > 0 ? " τ \(String(format: "%.3g", floors[k]))" : "") + (points[k] == 0 ? " (few points)" : "")
        }.joined(separator: ", ")
    }
}

extension SpreadCalibration {
    /// The group the calibration is stored in.
    static let group = "/calibration"

    /// Writes the calibration into an open emulator file (group `/calibration`).
    func write(into f: borrowing HDF5File) throws {
        try f.writeVector("\(Self.group)/lower_edges", lowerEdges)
        try f.writeVector("\(Self.group)/factors", factors)
        try f.writeVector("\(Self.group)/floors", floors)
        try f.writeIntegers("\(Self.group)/points", points)
        try f.writeAttribute("method", Self.method, of: Self.group)
        try f.setScalar("coverage", coverage, of: Self.group)
        try f.setScalar("sigmas", sigmas, of: Self.group)
    }

    /// Reads the calibration of an open emulator file; nil when the file has none (written before it
    /// existed, or a single member). `bad` makes the error naming the file.
    static func read(from f: borrowing HDF5File, bad: (String) -> PDFEmuError) throws -> SpreadCalibration? {
        guard f.exists(group) else { return nil }
        let method = try f.readStringAttribute("method", of: group)
        guard method == Self.method || method == Self.factorOnlyMethod else { throw bad("\(group): unknown calibration method \"\(method.prefix(40))\"") }
        let edges = try f.vector("\(group)/lower_edges"), factors = try f.vector("\(group)/factors")
        let floors = method == Self.method ? try f.vector("\(group)/floors") : factors.map { _ in 0 }
        let points = try f.integers("\(group)/points")
        guard !edges.isEmpty, edges.count <= 64, factors.count == edges.count, points.count == edges.count else {
            throw bad("\(group): lower_edges, factors and points must have one value per bin (1…64 bins)")
        }
        guard edges.allSatisfy(\.isFinite), zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw bad("\(group)/lower_edges must be finite and increasing")
        }
        if let i = factors.firstIndex(where: { !($0.isFinite && $0 > 0) }) { throw bad("\(group)/factors: value \(i) is \(factors[i]), must be finite and > 0") }
        guard floors.count == edges.count else { throw bad("\(group)/floors must have one value per bin") }
        if let i = floors.firstIndex(where: { !($0.isFinite && $0 >= 0) }) { throw bad("\(group)/floors: value \(i) is \(floors[i]), must be finite and ≥ 0") }
        let coverage = try f.scalar("coverage", of: group), sigmas = try f.scalar("sigmas", of: group)
        guard coverage > 0 && coverage < 1, sigmas > 0 else { throw bad("\(group): coverage must be in (0,1) and sigmas > 0") }
        return SpreadCalibration(lowerEdges: edges, factors: factors, floors: floors, points: points, coverage: coverage, sigmas: sigmas)
    }
}
