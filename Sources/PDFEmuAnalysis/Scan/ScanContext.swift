import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// Counts of work done by one scan unit.
struct WorkCount: Sendable {
    var minimisations = 0
    var evaluations = 0
    mutating func add(_ r: MinimiserResult) { minimisations += 1; evaluations += r.evaluations }
    mutating func add(_ w: WorkCount) { minimisations += w.minimisations; evaluations += w.evaluations }
}

/// A point a scan unit reached with χ² below the global minimum's: its χ², where it lies, and where
/// it was found ("the profile of Cg at Cg = 2.69").
struct LowerPoint: Sendable {
    var chi2: Double
    var theta: [Double]
    var source: String
}

/// The lowest χ² any scan unit reached below the global minimum (by more than
/// `ScanContext.lowerMinimumTolerance`); shared by the units running in parallel.
final class LowerPointLog: @unchecked Sendable {
    private let lock = NSLock()
    private var best: LowerPoint?
    /// The lowest point recorded (nil: none).
    var lowest: LowerPoint? { lock.lock(); defer { lock.unlock() }; return best }
    /// Keeps `point` if it is the lowest so far.
    func record(_ point: LowerPoint) {
        lock.lock(); defer { lock.unlock() }
        if best == nil || point.chi2 < best!.chi2 { best = point }
    }
}

/// What every scan unit needs: the model, the minimum, the Hessian, the constraints and settings.
struct ScanContext: Sendable {
    let model: any ScalarModel
    let minimiser: Minimiser
    let minimum: ScanMinimum
    let hessian: HessianAnalysis
    let constraints: [ParameterConstraint]
    let options: ScanOptions
    /// Points below the global minimum reached by any unit of this context.
    let lowerPoints = LowerPointLog()

    /// χ² units by which a point must lie below the global minimum to count as a lower minimum.
    static let lowerMinimumTolerance = 1e-3

    /// Minimises χ² with the given parameters additionally fixed, starting from `warm`. A result below
    /// the global minimum is recorded in `lowerPoints`.
    func profile(fixing: [(Int, Double)], warm: [Double]) -> MinimiserResult {
        var c = constraints
        var start = warm
        for (i, v) in fixing { c[i] = .fixed(v); start[i] = v }
        let r = minimiser.minimise(from: start, constraints: c)
        if r.value < minimum.chi2 - Self.lowerMinimumTolerance {
            let names = model.parameterNames
            let at = fixing.map { "\(names[$0.0]) = \(Fmt.num($0.1, width: 0, digits: 6))" }.joined(separator: ", ")
            let unit = fixing.count == 1 ? "the profile of \(names[fixing[0].0])"
                : "the contour " + fixing.map { names[$0.0] }.joined(separator: ",")
            lowerPoints.record(LowerPoint(chi2: r.value, theta: r.theta, source: "\(unit) at \(at)"))
        }
        return r
    }

    /// Records a point `theta` with χ² `chi2` reached by a unit (`source`) if it lies below the global minimum.
    func noteLower(chi2: Double, theta: [Double], source: @autoclosure () -> String) {
        if chi2 < minimum.chi2 - Self.lowerMinimumTolerance {
            lowerPoints.record(LowerPoint(chi2: chi2, theta: theta, source: source()))
        }
    }

    /// Per-experiment χ² minus the minimum's, the ensemble spread and the domain flag at `theta`.
    func describe(_ theta: [Double]) -> (perExperiment: [Double], spread: Double, inside: Bool) {
        let pred = model.prediction(at: theta)
        var per = pred.perExperiment
        if per.count == minimum.perExperiment.count {
            for e in 0..<per.count { per[e] -= minimum.perExperiment[e] }
        }
        return (per, pred.spread, model.isInsideTrainingRegion(theta))
    }

    /// Width of parameter `a`'s training box (0 for a model without a training region): the scale
    /// used where the Hessian gives none.
    func trainingSpan(_ a: Int) -> Double {
        guard let r = model.trainingRegion else { return 0 }
        return r.trainingUpper[a] - r.trainingLower[a]
    }

    /// Tolerance on |Δχ² − level| when locating a crossing.
    static func crossingTolerance(_ level: Double) -> Double { 1e-4 * max(1, level) }
}
