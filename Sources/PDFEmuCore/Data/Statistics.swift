/// Small descriptive statistics used in summaries and reports.
package enum Stats {
    /// Arithmetic mean (0 for an empty array).
    package static func mean(_ x: [Double]) -> Double { x.isEmpty ? 0 : x.reduce(0, +) / Double(x.count) }

    /// Population standard deviation.
    package static func std(_ x: [Double]) -> Double {
        guard x.count > 1 else { return 0 }
        let m = mean(x)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count)).squareRoot()
    }

    /// Quantile q ∈ [0,1] with linear interpolation.
    package static func quantile(_ x: [Double], _ q: Double) -> Double {
        quantileSorted(x.sorted(), q)
    }

    /// Quantile of already sorted data.
    package static func quantileSorted(_ s: [Double], _ q: Double) -> Double {
        guard !s.isEmpty else { return .nan }
        let pos = q * Double(s.count - 1)
        let lo = Int(pos.rounded(.down)), hi = min(lo + 1, s.count - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
    }
}

/// The Δχ² bins every accuracy and summary figure is reported in: [0,1), [1,10), [10,100), ≥100.
package enum DeltaChi2Bins {
    /// Lower edges of the bins.
    package static let edges: [Double] = [0, 1, 10, 100]
    /// Labels of the bins.
    package static let labels = ["[0,1)", "[1,10)", "[10,100)", ">=100"]
    /// Bin index of a Δχ² value (negative values go to the first bin).
    package static func index(_ d: Double) -> Int {
        if d < 1 { return 0 }
        if d < 10 { return 1 }
        if d < 100 { return 2 }
        return 3
    }
}
