import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuAnalysis

/// The last phase of `pdfemu learn`: how the final scan's answers are refined on the oracle.
package struct LearnRefineSettings: Sendable, Equatable {
    /// ε, δ and the iteration limit (the budget is learn's: what the rounds leave, at least `reserve`;
    /// the gradients are finite differences of true values, since learn's points store keeps no gradient).
    package var options: RefineOptions
    /// Evaluations of learn's budget kept for refine: the rounds stop at budget − reserve.
    package var reserve: Int

    /// Creates settings: `options` as refine's (their budget and gradient source are learn's), `reserve`
    /// evaluations kept for refine.
    package init(options: RefineOptions = RefineOptions(), reserve: Int) {
        self.options = options
        self.options.gradients = .values
        self.reserve = reserve
    }

    /// Throws one line naming the setting: the reserve must leave the rounds at least the initial design.
    package func validate(budget: Int, initial: Int) throws {
        var o = options
        o.budget = max(1, reserve)
        try o.validate()
        guard reserve >= 1 else { throw SettingError(.learnRefineBudget, "must be at least 1 evaluation, got \(reserve)") }
        guard budget - reserve >= max(1, initial) else {
            throw SettingError(.learnRefineBudget, "\(reserve) leaves the rounds \(budget - reserve) of the budget of \(budget) evaluations, "
                               + "less than the initial design" + (initial > 0 ? " of \(initial) points" : ""))
        }
    }
}

extension Setting {
    /// Evaluations of learn's budget kept for its last phase, refine.
    package static let learnRefineBudget = Setting("learn.refineBudget")
}

extension Learner {
    /// The refine phase: the final round's answers (its stored emulator and scan) solved on the oracle.
    /// Every true point goes through `ask` (batches `refine-1`, `refine-2`, … in the journal, each
    /// answer stored before it is used; a resumed run replays them and asks only what is not stored) and
    /// counts against the budget. The curve (`curve.tsv`, round column `refine`) gets each answer's
    /// residual after iterations 1, 2, 4, 8, … and after the last (one run, followed as it goes). Writes `DIR/refined.h5` (the refined
    /// scan with `/refine`). nil when no evaluation of the budget is left.
    func refinePhase(round: Int, scan: ScanResult, _ evaluated: inout EvaluatedPoints) throws -> (result: RefineResult, path: String)? {
        guard let refine = settings.refine else { return nil }
        let before = evaluated.count
        let budget = settings.budget - before
        guard budget >= 1 else { return nil }
        let guide = try loadEmulator(round)
        var options = refine.options
        options.budget = budget
        let bridge = LearnRefineOracle(learner: self, evaluated: evaluated)
        let store = try RefineStore(directory: nil, parameterNames: guide.parameterNames, identity: "")
        log("refine: the final scan's answers on \(oracle.label), at most \(budget) evaluations (values; ε = \(Fmt.short(options.epsilon)), δ = \(Fmt.short(options.stationarity)))")
        // One run; the curve gets its answers after iterations 1, 2, 4, 8, … and after the last one.
        let refiner = try Refiner(guide: guide, scan: scan, oracle: bridge, constraints: scan.minimum.constraints, options: options)
        var recorded = 0
        func record(_ iteration: Int, _ r: RefineResult) throws {
            try recordRefineCurve(r, evaluations: before + r.evaluations + r.reused)
            log("refine iteration \(iteration): \(before + r.evaluations + r.reused) evaluations, "
                + "\(r.certifiedCount)/\(r.answers.count) answers certified")
            recorded = iteration
        }
        var last = 0
        var result: RefineResult
        do {
            result = try refiner.run(store: store, iterationEnd: { iteration, r in
                last = iteration
                if iteration & (iteration - 1) == 0 { try record(iteration, r) }
            })
        } catch {
            if let failure = bridge.failure { throw failure }
            throw error
        }
        if recorded != last || last == 0 { try record(last, result) }
        evaluated = bridge.evaluated
        // The refine run's cost: every point it used; points learn answered from its own store (a resumed run) are reused.
        result.evaluations += result.reused - bridge.replayed
        result.reused = bridge.replayed
        result.batches = bridge.calls
        let path = state.directory + "/refined.h5"
        try result.applied(to: scan).write(to: path) { try result.write(into: $0) }
        return (result, path)
    }

    /// Appends a refine run's answers to `curve.tsv` at `evaluations`: round `refine`; the error column is
    /// the certificate's residual in units of ε (max(|Δχ²_true − T²|/ε, stat/δ), the minimum stat/δ) times ε.
    func recordRefineCurve(_ r: RefineResult, evaluations: Int) throws {
        for a in r.answers {
            let stat = a.stationarity / r.stationarity
            let residual = a.kind == "minimum" ? stat : max(abs(a.error) / r.epsilon, stat)
            try state.append("curve.tsv", header: Self.curveHeader,
                             "refine\t\(evaluations)\t\(a.name)\t\(a.exactValue.map { String($0) } ?? "nan")\t\(residual * r.epsilon)\t\(r.epsilon)\t\(a.status == .certified ? 1 : 0)")
        }
    }
}

/// The oracle refine sees inside learn: each call is one learn batch (`refine-K`, K counting calls),
/// asked exactly once through `Learner.ask` and answered from learn's stored points.
final class LearnRefineOracle: ChiSquareOracle, @unchecked Sendable {
    let learner: Learner
    /// Learn's evaluated points, grown by every call.
    private(set) var evaluated: EvaluatedPoints
    /// Calls made (batches).
    private(set) var calls = 0
    /// Points answered from learn's store without asking: stored by a killed run (resumed), or evaluated
    /// by the rounds (the verification of the final scan's answers).
    private(set) var replayed = 0
    /// The error that failed a call (the oracle's, the budget's or the state's), rethrown by the phase.
    private(set) var failure: (any Error)?
    private let lock = NSLock()

    init(learner: Learner, evaluated: EvaluatedPoints) {
        self.learner = learner
        self.evaluated = evaluated
    }

    var label: String { learner.oracle.label }
    var parameterNames: [String]? { learner.oracle.parameterNames }

    func evaluate(_ points: OraclePoints, gradients: Bool) throws(OracleError) -> OracleResult { try evaluate(points) }

    func evaluate(_ points: OraclePoints) throws(OracleError) -> OracleResult {
        lock.lock()
        defer { lock.unlock() }
        calls += 1
        let name = "refine-\(calls)"
        var chi2: [Double] = [], reasons: [String?] = []
        do {
            var stored = learner.state.journal.answers(of: name).reduce(0) { $0 + $1.hi - $1.lo }
            for i in 0..<points.count where evaluated.row(of: points.point(i)) != nil { stored += 1 }
            let left = try learner.ask(name, purpose: "refine", points, &evaluated, cap: learner.settings.budget)
            replayed += stored
            guard left == 0 else { throw PDFEmuError(.step("refine batch \(name)"), "\(left) point(s) would pass the budget of \(learner.settings.budget) evaluations") }
            for i in 0..<points.count {
                guard let row = evaluated.row(of: points.point(i)) else { throw PDFEmuError(.step("refine batch \(name)"), "point \(i) was not evaluated") }
                chi2.append(evaluated.result.chi2[row])
                reasons.append(evaluated.result.undefinedReasons[row])
            }
        } catch {
            failure = error
            throw OracleError(.io, oracle: label, userMessage(error))
        }
        return try OracleResult(chi2: chi2, reasons: reasons)
    }
}
