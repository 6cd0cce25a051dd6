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

/// What every scan unit needs: the model, the minimum, the Hessian, the constraints and settings.
struct ScanContext: Sendable {
    let model: any ScalarModel
    let minimiser: Minimiser
    let minimum: ScanMinimum
    let hessian: HessianAnalysis
    let constraints: [ParameterConstraint]
    let options: ScanOptions

    /// Minimises χ² with the given parameters additionally fixed, starting from `warm`.
    func profile(fixing: [(Int, Double)], warm: [Double]) -> MinimiserResult {
        var c = constraints
        var start = warm
        for (i, v) in fixing { c[i] = .fixed(v); start[i] = v }
        return minimiser.minimise(from: start, constraints: c)
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
