import ArgumentParser
import Foundation
import PDFEmu

struct Refine: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve a scan's minimum and profile interval ends on the true χ² (the emulator guides, the oracle decides) and certify them.")

    @OptionGroup var emulatorFile: RequiredEmulatorArguments<EmulatorHelp>
    var emulator: String { emulatorFile.emulator }
    enum EmulatorHelp: OptionHelp { static let help: ArgumentHelp = "The emulator that guides (value, gradient, Hessian); the one the scan was made with." }
    @Option(help: "The scan whose answers are refined (pdfemu scan --output).") var scan: String
    @Option(help: "The true χ²: 'CMD {input} {output}', fk:FILE, emulator:FILE.") var oracle: String
    @Option(parsing: .unconditional, help: "Bound parameters: name=lo:hi,... (added to the scan's constraints).") var bound: String?
    @Option(help: "Most true χ² evaluations in all (finite-difference points included).") var budget = 5000
    @Option(help: "ε: largest |Δχ²_true − T²| at a certified end, χ² units.") var epsilon = 0.01
    @Option(help: "δ: largest predicted decrease g_νᵀH_νν⁻¹g_ν/2 of the true gradient at a certified point, χ² units.") var stationarity = 0.002
    @Option(help: "Gradient source: exact (the oracle's /gradient) or values (finite differences).") var gradients: RefineGradients = .values
    @Option(help: "Most oracle batches (iterations).") var maxIterations = 100
    @Option(help: "Values mode: most accepted steps with a secant-estimated gradient between two finite-difference gradients (0: finite differences at every trial).") var secantSteps = 4
    @Option(help: "Values mode: the gradient of those steps: secant (from the accepted point) or residual (the emulator's plus a regression of χ²_true − emulator on every true point).") var stepGradient: RefineStepGradient = .secant
    @Option(help: "Keep every batch of true χ² here; a killed run started again with the same inputs asks only for new points.") var state: String?
    @Option(help: "Oracle timeout per batch, seconds (commands).") var timeout = 3600.0
    @OptionGroup var outputFile: OutputArguments<OutputHelp>
    var output: String? { outputFile.output }
    enum OutputHelp: OptionHelp { static let help: ArgumentHelp = "Write the refined scan (the scan with exact answers, and /refine) to this HDF5 file." }
    @Flag(help: "Print JSON (the refined scan in the layout of scan --json, with refine beside) instead of the summary.") var json = false
    @OptionGroup(title: "Batch system") var batchSystem: BatchSystemArguments

    func run() throws {
        try PDFEmuCommand.guarded {
            let mode = gradients
            let options = RefineOptions(epsilon: epsilon, stationarity: stationarity, budget: budget, gradients: mode,
                                        maxIterations: maxIterations, secantSteps: secantSteps, stepGradient: stepGradient)
            try options.validate()
            let spec = try OracleSpec(parsing: oracle)
            let inputs = [("--emulator", emulator), ("--scan", scan)] + spec.inputFiles(labelled: "--oracle")
            if let output { try AtomicOutput.validateOutput(output, protecting: inputs) }
            try batchSystem.validateSettings()
            if batchSystem.submitAndExit {
                throw PDFEmuError(flag: "--submit-and-exit", "refine waits for its arrays (its iterations depend on each other); run refine itself as a batch job")
            }
            let model = try loadScalarModel(emulator)
            let scanResult = try ScanResult.read(scan)
            var constraints = scanResult.minimum.constraints
            if let bound {
                for (name, r) in try ScanOptionParsing.ranges(bound, option: "--bound") {
                    guard let i = model.parameterNames.firstIndex(of: name) else {
                        throw SettingError(.refineBound, "\(name) is not a parameter of \(emulator) (\(model.parameterNames.joined(separator: ",")))")
                    }
                    guard !(constraints.indices.contains(i) && constraints[i].isFixed) else {
                        throw SettingError(.refineBound, "\(name) is fixed in \(scan)")
                    }
                    constraints[i] = .bounded(lower: r.lower, upper: r.upper)
                }
            }
            // A command runs in its own process group: a signal reaches pdfemu only, which then kills the group.
            let stop = OracleInterrupts.install()
            let inner = try spec.makeOracle(timeout: timeout, shouldStop: stop.shouldStop)
            // With --scheduler every batch of trial points is one array job (values only: shards carry no gradient).
            let workBase = state ?? output.map { $0 + ".batches" } ?? "refine.batches"
            let madeOracle: any ChiSquareOracle = try batchSystem.enabled
                ? batchSystem.oracle(inner: spec.text, innerTimeout: timeout, defaultWorkDir: state.map { $0 + "/batches" } ?? workBase,
                                     runID: URL(fileURLWithPath: workBase).standardizedFileURL.path,
                                     log: { [json] line in if !json { printErr(line) } })
                : inner
            let refiner: Refiner
            do { refiner = try Refiner(guide: model, scan: scanResult, oracle: madeOracle, constraints: constraints, options: options) }
            catch let e as SettingError where e.setting == .refineScan { throw SettingError(.refineScan, scan, e.reason) }
            let identity = [
                "emulator=\(try RunIdentity.fileHash(emulator))", "scan=\(try RunIdentity.fileHash(scan))", "oracle=\(spec.text)",
                "bounds=\(constraints.map(\.label).joined(separator: ";"))",
                "epsilon=\(epsilon) stationarity=\(stationarity) gradients=\(mode.rawValue) max_iterations=\(maxIterations)",
            ].joined(separator: "\n") + "\n"
            let store: RefineStore
            store = try RefineStore(directory: state, parameterNames: model.parameterNames, identity: identity)
            let quiet = json
            var ran: RefineResult?
            try stop.reporting {
                do {
                    ran = try refiner.run(store: store) { line in
                        if !quiet { FileHandle.standardError.write(Data("refine: \(line)\n".utf8)) }
                    }
                } catch let e as OracleError {
                    throw PDFEmuError(e.oracle.isEmpty ? .step("refine") : .input("oracle \(e.oracle)"), e.message + (state.map { "; the evaluations so far are kept in \($0): run again with --state \($0)" } ?? ""))
                }
            }
            guard let result = ran else { return }
            let refined = result.applied(to: scanResult)
            if let output { try refined.write(to: output) { try result.write(into: $0) } }
            if json {
                print(try Fmt.json(ScanJSON(scan: refined, key: "refine", extra: result)))
            } else {
                print(Self.report(result), terminator: "")
            }
            if result.certifiedCount < result.answers.count { throw ExitCode(1) }
        }
    }

    /// The summary: one row per answer and the cost.
    static func report(_ r: RefineResult) -> String {
        var s = "Refined on the true χ² (ε = \(Fmt.short(r.epsilon)), δ = \(Fmt.short(r.stationarity)), gradients: \(r.gradients.rawValue))\n"
        s += Fmt.pad("answer", 26) + Fmt.pad("emulator", 12, right: true) + Fmt.pad("exact", 12, right: true)
            + Fmt.pad("diff/hw", 9, right: true) + Fmt.pad("Δχ²−T²", 10, right: true) + Fmt.pad("stat", 9, right: true)
            + Fmt.pad("evals", 7, right: true) + "  status\n"
        for a in r.answers {
            s += Fmt.pad(a.name, 26) + Fmt.num(a.emulatorValue ?? .nan, width: 12, digits: 7)
                + Fmt.num(a.exactValue ?? .nan, width: 12, digits: 7)
                + Fmt.pad(a.halfWidthDifference.map { Fmt.fixed(100 * $0, 2) + "%" } ?? "", 9, right: true)
                + Fmt.num(a.error, width: 10, digits: 3) + Fmt.num(a.stationarity, width: 9, digits: 2)
                + Fmt.pad(String(a.evaluations), 7, right: true) + "  " + a.status.rawValue + (a.note.isEmpty ? "" : " (\(a.note))") + "\n"
        }
        for m in r.messages { s += "note: \(m)\n" }
        s += "\(r.certifiedCount)/\(r.answers.count) answers certified; \(r.evaluations) true χ² evaluations in \(r.batches) batch(es)"
            + (r.reused > 0 ? ", \(r.reused) reused from the state directory" : "") + "\n"
        return s
    }
}


extension RefineGradients: ExpressibleByArgument {}
extension RefineStepGradient: ExpressibleByArgument {}
