import PDFEmuCore
import PDFEmuIO
import PDFEmuAnalysis

/// What became of one answer in a refine run.
package enum RefineStatus: String, Sendable, Codable, Equatable {
    /// Solved on the true χ² and certified both ways (see `RefineOptions`).
    case certified
    /// Not reached: a bound, an undefined region, or the model cannot make progress (the note says which).
    case open
    /// Stopped before the certificate held: the budget or the iteration limit (the note says which).
    case notCertified = "not-certified"
}

/// One answer (the minimum or one profile interval end at one T²) solved on the true χ².
package struct RefinedAnswer: Sendable, Codable, Equatable {
    /// `minimum`, `profile/NAME T2=t lower|upper` or `lagrange/qK T2=t lower|upper`.
    package var name: String
    /// `minimum`, `profile` or `lagrange` (an end of a Lagrange scan's quantity q; `exactValue` is q there).
    package var kind: String
    /// The profiled parameter, or the Lagrange scan's name qK (nil for the minimum).
    package var parameter: String?
    /// T² of an end (0 for the minimum).
    package var tolerance: Double
    /// `lower` or `upper` (nil for the minimum).
    package var side: String?
    /// The scan's (emulator's) answer: the end's value, or the emulated χ²_min; nil if the scan left the end open.
    package var emulatorValue: Double?
    /// The refined answer: the end's value of the parameter at the last accepted true point, or the true
    /// χ²_min; nil if no true point was accepted.
    package var exactValue: Double?
    /// (emulator − exact) end value in units of the exact half-width |exact end − exact best fit| (nil for
    /// the minimum or without both values).
    package var halfWidthDifference: Double?
    /// The last accepted true point (all parameters; empty if none).
    package var theta: [Double]
    /// True χ² there (NaN if none).
    package var trueChi2: Double
    /// χ²_true − χ²_min,true − T² there (0 for the minimum; NaN if none).
    package var error: Double
    /// Predicted decrease g_νᵀH_νν⁻¹g_ν/2 of the true gradient there, χ² units (the minimum: all free
    /// parameters; NaN if not computable).
    package var stationarity: Double
    /// True χ² points this answer used that no earlier batch of the run had (finite-difference points
    /// included; a point two answers share in one batch counts for both).
    package var evaluations: Int
    /// True points it was evaluated at (iterations).
    package var iterations: Int
    /// Certified, open or not certified.
    package var status: RefineStatus
    /// Why an answer is open or not certified, or "".
    package var note: String
}

/// The outcome of `Refiner.run`: every answer and what it cost.
package struct RefineResult: Sendable, Codable, Equatable {
    /// Parameter names of `RefinedAnswer.theta`.
    package var parameterNames: [String]
    /// The minimum first, then the profile ends in scan order (lower, upper for each T²), then the Lagrange
    /// ends in scan order.
    package var answers: [RefinedAnswer]
    /// True χ² evaluations this run sent to the oracle.
    package var evaluations: Int
    /// Evaluations read back from a state directory (a resumed run) instead of asked again; the budget
    /// counts `evaluations + reused`.
    package var reused: Int
    /// Oracle batches.
    package var batches: Int
    /// Gradient source actually used (`values` if exact gradients were refused).
    package var gradients: RefineGradients
    /// ε and δ the certificate used, χ² units.
    package var epsilon: Double
    /// δ (stationarity) the certificate used, χ² units.
    package var stationarity: Double
    /// One line per notable event (a lower minimum found, gradients refused, the budget spent).
    package var messages: [String]

    /// Number of certified answers.
    package var certifiedCount: Int { answers.filter { $0.status == .certified }.count }

    /// `scan` with its minimum, profile and Lagrange interval ends replaced by the refined answers: the minimum's
    /// χ² and θ are the true ones; an end with an accepted true point gets its exact value, an open end
    /// becomes nil (open); everything else (grids, Hessian, contours) stays the scan's.
    package func applied(to scan: ScanResult) -> ScanResult {
        var s = scan
        if let m = answers.first(where: { $0.kind == "minimum" }), !m.theta.isEmpty {
            s.minimum.chi2 = m.trueChi2
            s.minimum.theta = m.theta
        }
        for a in answers where a.kind == "profile" {
            guard let pi = s.profiles.firstIndex(where: { $0.parameter == a.parameter }),
                  let ti = s.profiles[pi].intervals.firstIndex(where: { $0.tolerance == a.tolerance }) else { continue }
            let v: Double? = a.status == .open ? nil : a.exactValue
            if a.side == "lower" { s.profiles[pi].intervals[ti].lower = v } else { s.profiles[pi].intervals[ti].upper = v }
        }
        for a in answers where a.kind == "lagrange" {
            guard let li = s.lagrange.firstIndex(where: { $0.name == a.parameter }),
                  let ti = s.lagrange[li].intervals.firstIndex(where: { $0.tolerance == a.tolerance }) else { continue }
            let v: Double? = a.status == .open ? nil : a.exactValue
            if a.side == "lower" { s.lagrange[li].intervals[ti].lower = v } else { s.lagrange[li].intervals[ti].upper = v }
        }
        return s
    }

    /// Writes the `/refine` group (docs/FORMAT.md) into an open file.
    package func write(into f: borrowing HDF5File) throws {
        try f.createGroup("/refine")
        let a = answers, nan = Double.nan
        try f.writeStrings("/refine/name", a.map(\.name))
        try f.writeStrings("/refine/kind", a.map(\.kind))
        try f.writeStrings("/refine/parameter", a.map { $0.parameter ?? "" })
        try f.writeVector("/refine/tolerance", a.map(\.tolerance))
        try f.writeStrings("/refine/side", a.map { $0.side ?? "" })
        try f.writeVector("/refine/emulator_value", a.map { $0.emulatorValue ?? nan })
        try f.writeVector("/refine/exact_value", a.map { $0.exactValue ?? nan })
        try f.writeVector("/refine/half_width_difference", a.map { $0.halfWidthDifference ?? nan })
        try f.writeMatrixRows("/refine/theta", a.map { $0.theta.isEmpty ? [Double](repeating: nan, count: parameterNames.count) : $0.theta },
                              columns: parameterNames.count)
        try f.writeStrings("/refine/parameter_names", parameterNames)
        try f.writeVector("/refine/true_chi2", a.map(\.trueChi2))
        try f.writeVector("/refine/error", a.map(\.error))
        try f.writeVector("/refine/stationarity", a.map(\.stationarity))
        try f.writeIntegers("/refine/evaluations", a.map(\.evaluations))
        try f.writeIntegers("/refine/iterations", a.map(\.iterations))
        try f.writeStrings("/refine/status", a.map(\.status.rawValue))
        try f.writeStrings("/refine/note", a.map(\.note))
        try f.writeAttribute("evaluations", [Int64(evaluations)], of: "/refine")
        try f.writeAttribute("batches", [Int64(batches)], of: "/refine")
        try f.writeAttribute("gradients", gradients.rawValue, of: "/refine")
        try f.writeAttribute("epsilon", [epsilon], of: "/refine")
        try f.writeAttribute("stationarity", [stationarity], of: "/refine")
        try f.writeAttribute("messages", messages.joined(separator: "\n"), of: "/refine")
    }
}
