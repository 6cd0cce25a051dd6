import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuAnalysis

extension Refiner {
    /// Where a run in other coordinates starts: refine's true minimum (`minimum`, the answer of kind
    /// `minimum`) when it has a point and a finite χ², else the scan's minimum.
    static func start(from minimum: RefinedAnswer?, scan: ScanResult) -> (theta: [Double], chi2: Double) {
        if let m = minimum, !m.theta.isEmpty, m.trueChi2.isFinite { return (m.theta, m.trueChi2) }
        return (scan.minimum.theta, scan.minimum.chi2)
    }

    /// One refine run in coordinates y (`RefineCoordinates`): `scan` seen in y with its minimum at `start`
    /// (refine's true minimum, θ, and its χ²), the emulator's Hessian analysed there in y, and `profile` (in
    /// y: the coordinate solved, its grid points and intervals) its only answer besides the minimum, under
    /// `yConstraints`. Returns the result with every point mapped back to θ, θ's parameter names, and notes
    /// naming `wholeBudget` (the run's `options.budget` is what earlier answers left of it). `label` names
    /// the run in errors and progress lines.
    static func runInCoordinates(_ coords: any RefineCoordinates, guide: any ScalarModel, scan: ScanResult, oracle: any ChiSquareOracle,
                                 yConstraints: [ParameterConstraint], start: (theta: [Double], chi2: Double), profile: ProfileResult,
                                 options: RefineOptions, wholeBudget: Int, label: String, store: RefineStore?,
                                 progress: (String) -> Void) throws -> RefineResult {
        let yGuide = RefineCoordinateModel(base: guide, coordinates: coords)
        let yOracle = RefineCoordinateOracle(inner: oracle, coordinates: coords)
        let y0 = coords.y(start.theta)
        var s = scan
        s.parameterNames = coords.names
        s.minimum.theta = y0
        s.minimum.chi2 = start.chi2
        s.minimum.constraints = yConstraints
        do { s.hessian = try HessianAnalysis.analyse(model: yGuide, at: y0, constraints: yConstraints, tolerances: scan.tolerances) } catch {
            throw SettingError(.refineScan, "\(label): the emulator's Hessian in its coordinates: \(userMessage(error))")
        }
        s.profiles = [profile]
        s.contours = []
        s.lagrange = []
        let refiner = try Refiner(guide: yGuide, scan: s, oracle: yOracle, constraints: yConstraints, options: options)
        let r = try refiner.run(store: store) { progress("\(label): " + $0) }
        var out = r
        out.parameterNames = coords.thetaNames
        let said = "the budget of \(options.budget) evaluations", whole = "the budget of \(wholeBudget) evaluations"
        out.messages = r.messages.map { $0.replacingOccurrences(of: said, with: whole) }
        out.answers = r.answers.map { a in
            var b = a
            if !a.theta.isEmpty { b.theta = coords.theta(a.theta) }
            b.note = a.note.replacingOccurrences(of: said, with: whole)
            return b
        }
        return out
    }
}

extension RefineResult {
    /// Adds the cost of `run` (a refine run in other coordinates) to this result: its evaluations, reused
    /// points and batches, its messages prefixed with `label`, and values mode if it used it.
    mutating func addCost(of run: RefineResult, label: String) {
        evaluations += run.evaluations
        reused += run.reused
        batches += run.batches
        messages += run.messages.map { "\(label): " + $0 }
        if run.gradients == .values { gradients = .values }
    }
}
