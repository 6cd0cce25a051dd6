import Foundation

/// A per-bin scaling of the raw ensemble spread, fitted on the validation split so the stated σ covers
/// the emulator's error as stated: in each bin of the *predicted* Δχ² (lower edges `lowerEdges`; a value
/// below the first edge goes to the first bin) the factor is the smallest f for which a share
/// `coverage` of the validation points has |error| ≤ `sigmas`·f·σ_raw (95.45% within 2σ by default,
/// the Gaussian share). Per bin and not a smooth function of the prediction: the coverage targets are
/// stated per bin, the validation split holds thousands of points per bin (a stable quantile), and no
/// functional form of the error against Δχ² has to be assumed; the spread steps at the bin edges, which
/// nothing differentiates. A bin with fewer than `minimumPoints` validation points uses the factor of
/// all points pooled. Stored in the emulator file's `/calibration` group (docs/FORMAT.md).
public struct SpreadCalibration: Sendable, Codable, Equatable {
    /// The method tag stored in the file.
    public static let method = "per_bin_factor"
    /// Fewest validation points a bin needs for its own factor.
    public static let minimumPoints = 20
    /// Lower edges of the predicted-Δχ² bins, increasing.
    public var lowerEdges: [Double]
    /// Factor of each bin (> 0, finite).
    public var factors: [Double]
    /// Validation points of each bin the factor was fitted on (0 … `minimumPoints` − 1: the pooled factor).
    public var points: [Int]
    /// Share of points meant to lie within `sigmas`·σ.
    public var coverage: Double
    /// Multiple of σ the coverage refers to.
    public var sigmas: Double

    /// Creates a calibration from its parts.
    public init(lowerEdges: [Double], factors: [Double], points: [Int], coverage: Double, sigmas: Double) {
        precondition(lowerEdges.count == factors.count && factors.count == points.count && !factors.isEmpty,
                     "one factor and point count per bin")
        self.lowerEdges = lowerEdges
        self.factors = factors
        self.points = points
        self.coverage = coverage
        self.sigmas = sigmas
    }

    /// Bin index of a predicted Δχ².
    public func bin(_ predictedDeltaChi2: Double) -> Int {
        var k = 0
        for (i, e) in lowerEdges.enumerated() where predictedDeltaChi2 >= e { k = i }
        return k
    }

    /// The calibrated spread of a raw spread at a predicted Δχ².
    public func apply(rawSpread: Double, predictedDeltaChi2: Double) -> Double {
        rawSpread * factors[bin(predictedDeltaChi2)]
    }

    /// Fits the factors from validation errors (prediction − truth), raw spreads and predicted Δχ².
    /// Nil when no finite factor exists (every spread 0, or no points).
    public static func fit(errors: [Double], rawSpreads: [Double], predictedDeltaChi2: [Double],
                           lowerEdges: [Double], coverage: Double = 0.9545, sigmas: Double = 2) -> SpreadCalibration? {
        precondition(errors.count == rawSpreads.count && errors.count == predictedDeltaChi2.count)
        let shape = SpreadCalibration(lowerEdges: lowerEdges, factors: lowerEdges.map { _ in 1 }, points: lowerEdges.map { _ in 0 },
                                      coverage: coverage, sigmas: sigmas)
        var ratios = [[Double]](repeating: [], count: lowerEdges.count)
        for i in errors.indices {
            let r = rawSpreads[i] > 0 ? abs(errors[i]) / rawSpreads[i] : (errors[i] == 0 ? 0 : .infinity)
            ratios[shape.bin(predictedDeltaChi2[i])].append(r)
        }
        guard let pooled = factor(ratios.flatMap { $0 }, coverage: coverage, sigmas: sigmas) else { return nil }
        var factors: [Double] = [], points: [Int] = []
        for r in ratios {
            let own = r.count >= minimumPoints ? factor(r, coverage: coverage, sigmas: sigmas) : nil
            factors.append(own ?? pooled)
            points.append(own == nil ? 0 : r.count)
        }
        return SpreadCalibration(lowerEdges: lowerEdges, factors: factors, points: points, coverage: coverage, sigmas: sigmas)
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
    public func text(labels: [String]) -> String {
        "spread calibration (\(Self.method), \(Fmt.fixed(100 * coverage, 2))% of validation points within \(Fmt.fixed(sigmas, 0))σ per predicted-Δχ² bin): "
            + factorsText(labels: labels)
    }

    /// The factors per bin ("[0,1) ×1.234, …"; "(pooled)" marks a bin that took the pooled factor).
    public func factorsText(labels: [String]) -> String {
        factors.indices.map { k in
            "\(k < labels.count ? labels[k] : "≥\(lowerEdges[k])") ×\(Fmt.fixed(factors[k], 3))" + (points[k] == 0 ? " (pooled)" : "")
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
        guard method == Self.method else { throw bad("\(group): unknown calibration method \"\(method.prefix(40))\"") }
        let edges = try f.vector("\(group)/lower_edges"), factors = try f.vector("\(group)/factors")
        let points = try f.integers("\(group)/points")
        guard !edges.isEmpty, edges.count <= 64, factors.count == edges.count, points.count == edges.count else {
            throw bad("\(group): lower_edges, factors and points must have one value per bin (1…64 bins)")
        }
        guard edges.allSatisfy(\.isFinite), zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw bad("\(group)/lower_edges must be finite and increasing")
        }
        if let i = factors.firstIndex(where: { !($0.isFinite && $0 > 0) }) { throw bad("\(group)/factors: value \(i) is \(factors[i]), must be finite and > 0") }
        let coverage = try f.scalar("coverage", of: group), sigmas = try f.scalar("sigmas", of: group)
        guard coverage > 0 && coverage < 1, sigmas > 0 else { throw bad("\(group): coverage must be in (0,1) and sigmas > 0") }
        return SpreadCalibration(lowerEdges: edges, factors: factors, points: points, coverage: coverage, sigmas: sigmas)
    }
}
