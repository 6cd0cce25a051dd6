import ArgumentParser
import Foundation
import PDFEmu

/// How refine certifies (ε, δ, iterations): declared once, for `refine`, `scan --refine` and `learn`'s
/// last phase. Each flag has a plain spelling (refine's) and a `--refine-` one (for scan and learn).
struct RefineToleranceArguments: ParsableArguments {
    @Option(name: [.customLong("epsilon"), .customLong("refine-epsilon")],
            help: "Refine: ε, the largest |Δχ²_true − T²| at a certified end, χ² units (default: 0.01).") var givenEpsilon: Double?
    /// ε (default 0.01).
    var epsilon: Double { givenEpsilon ?? 0.01 }
    @Option(name: [.customLong("stationarity"), .customLong("refine-stationarity")],
            help: "Refine: δ, the largest predicted decrease g_νᵀH_νν⁻¹g_ν/2 of the true gradient at a certified point, χ² units (default: 0.002).")
    var givenStationarity: Double?
    /// δ (default 0.002).
    var stationarity: Double { givenStationarity ?? 0.002 }
    @Option(name: [.customLong("max-iterations"), .customLong("refine-max-iterations")],
            help: "Refine: most oracle batches (iterations) (default: 100).") var givenMaxIterations: Int?
    /// The iteration limit (default 100).
    var maxIterations: Int { givenMaxIterations ?? 100 }

    /// True when a flag of this group was given (scan: only with --refine).
    var given: Bool { givenEpsilon != nil || givenStationarity != nil || givenMaxIterations != nil }
}

/// Where refine's true χ² comes from and what it may spend: declared once, for `refine` and `scan --refine`.
struct RefineRunArguments: ParsableArguments {
    @Option(name: [.customLong("budget"), .customLong("refine-budget")],
            help: "Refine: most true χ² evaluations in all (finite-difference points included) (default: 5000).") var givenBudget: Int?
    /// The evaluation budget (default 5,000).
    var budget: Int { givenBudget ?? 5000 }
    @Option(name: [.customLong("gradients"), .customLong("refine-gradients")],
            help: "Refine: gradient source, exact (the oracle's /gradient) or values (finite differences) (default: values).") var givenGradients: RefineGradients?
    /// The gradient source (default values).
    var gradients: RefineGradients { givenGradients ?? .values }
    @Option(name: [.customLong("secant-steps"), .customLong("refine-secant-steps")],
            help: "Refine, values mode: most accepted steps with a secant-estimated gradient between two finite-difference gradients (0: finite differences at every trial) (default: 4).")
    var givenSecantSteps: Int?
    /// Secant steps between finite-difference gradients (default 4).
    var secantSteps: Int { givenSecantSteps ?? 4 }
    @Option(name: [.customLong("step-gradient"), .customLong("refine-step-gradient")],
            help: "Refine, values mode: the gradient of those steps: secant (from the accepted point) or residual (the emulator's plus a regression of χ²_true − emulator on every true point) (default: secant).")
    var givenStepGradient: RefineStepGradient?
    /// The gradient of the steps between true gradients (default secant).
    var stepGradient: RefineStepGradient { givenStepGradient ?? .secant }
    @Option(name: [.customLong("contour-vertices"), .customLong("refine-contour-vertices")],
            help: "Refine: also solve each contour of the scan on the true χ²: this many rays (even) from the true minimum per level, each vertex where the profiled true Δχ² is the level (default: none).")
    var contourVertices: Int?
    @Option(name: [.customLong("state"), .customLong("refine-state")],
            help: "Refine: keep every batch of true χ² here; a killed run started again with the same inputs asks only for new points.")
    var state: String?
    @Option(name: [.customLong("timeout"), .customLong("refine-timeout")], help: "Refine: oracle timeout per batch, seconds (commands) (default: 3600).")
    var givenTimeout: Double?
    /// The oracle timeout per batch, seconds (default 3,600).
    var timeout: Double { givenTimeout ?? 3600 }

    /// True when a flag of this group was given (scan: only with --refine).
    var given: Bool {
        givenBudget != nil || givenGradients != nil || givenSecantSteps != nil || givenStepGradient != nil || state != nil || givenTimeout != nil
            || contourVertices != nil
    }
}

/// One refine run of the CLI: `refine` and `scan --refine` call it with their guide, scan and oracle.
struct RefineInvocation {
    /// ε, δ and the iteration limit.
    var epsilon: Double, stationarity: Double, maxIterations: Int
    var run: RefineRunArguments
    /// The oracle spec (refine's --oracle, scan's --refine).
    var spec: OracleSpec
    /// How the state directory's flag is spelled in messages (refine: --state, scan: --refine-state).
    var stateFlag: String
    /// With --scheduler: every batch of trial points is one array job.
    var batchSystem: BatchSystemArguments?
    /// Where batches go when there is no state directory (refine: OUTPUT.batches).
    var defaultWorkBase: String
    /// No progress lines (--json).
    var quiet: Bool

    /// The options, checked (one line naming the setting).
    func options() throws(SettingError) -> RefineOptions {
        let o = RefineOptions(epsilon: epsilon, stationarity: stationarity, budget: run.budget,
                              gradients: run.gradients, maxIterations: maxIterations, secantSteps: run.secantSteps, stepGradient: run.stepGradient)
        try o.validate()
        if let k = run.contourVertices { try ContourRefiner.validate(vertices: k) }
        return o
    }

    /// Refines `scan` (made with `guide`) on the oracle; `identity` names the guide and the scan (the state
    /// directory is tied to it). nil if a signal stopped the run.
    func refine(guide: any ScalarModel, scan: ScanResult, constraints: [ParameterConstraint], identity: [String]) throws -> RefineResult? {
        let options = try options()
        let stop = OracleInterrupts.install()
        let inner = try spec.makeOracle(timeout: run.timeout, shouldStop: stop.shouldStop)
        let state = run.state
        let workBase = state ?? defaultWorkBase
        let quiet = self.quiet
        let oracle: any ChiSquareOracle
        if let batchSystem, batchSystem.enabled {
            oracle = try batchSystem.oracle(inner: spec.text, innerTimeout: run.timeout, defaultWorkDir: state.map { $0 + "/batches" } ?? workBase,
                                            runID: URL(fileURLWithPath: workBase).standardizedFileURL.path,
                                            log: { line in if !quiet { printErr(line) } })
        } else {
            oracle = inner
        }
        let refiner = try Refiner(guide: guide, scan: scan, oracle: oracle, constraints: constraints, options: options)
        let fullIdentity = (identity + [
            "oracle=\(spec.text)", "bounds=\(constraints.map(\.label).joined(separator: ";"))",
            "epsilon=\(options.epsilon) stationarity=\(options.stationarity) gradients=\(options.gradients.rawValue) max_iterations=\(options.maxIterations)",
        ]).joined(separator: "\n") + "\n"
        let store = try RefineStore(directory: state, parameterNames: guide.parameterNames, identity: fullIdentity)
        var ran: RefineResult?
        try stop.reporting {
            do {
                let log: (String) -> Void = { line in
                    if !quiet { FileHandle.standardError.write(Data("refine: \(line)\n".utf8)) }
                }
                let main = try refiner.run(store: store, progress: log)
                // The scan's Lagrange ends, each Lagrange scan in its own coordinates and store (DIR/lagrange_qK).
                let lagrange = try LagrangeRefiner(guide: guide, scan: scan, oracle: oracle, constraints: constraints, options: options)
                ran = try lagrange.run(after: main, store: { name, names in
                    guard let state else { return nil }
                    let expression = scan.lagrange.first { $0.name == name }?.definition ?? ""
                    return try RefineStore(directory: (state as NSString).appendingPathComponent("lagrange_" + name), parameterNames: names,
                                           identity: fullIdentity + "lagrange=\(name) \(expression)\n")
                }, progress: log)
                // On request, the scan's contour vertices, each line through the minimum in its own store (DIR/contour_A__B_j).
                if let k = run.contourVertices {
                    let contours = try ContourRefiner(guide: guide, scan: scan, oracle: oracle, constraints: constraints, options: options, vertices: k)
                    ran = try contours.run(after: ran!, store: { name, names in
                        guard let state else { return nil }
                        return try RefineStore(directory: (state as NSString).appendingPathComponent(name), parameterNames: names,
                                               identity: fullIdentity + "contour-vertices=\(k) \(name)\n")
                    }, progress: log)
                }
            } catch let e as OracleError {
                throw PDFEmuError(e.oracle.isEmpty ? .step("refine") : .input("oracle \(e.oracle)"), e.message + (state.map { "; the evaluations so far are kept in \($0): run again with \(stateFlag) \($0)" } ?? ""))
            }
        }
        return ran
    }
}
