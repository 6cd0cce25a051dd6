import ArgumentParser
import Foundation
import PDFEmu

struct Refine: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve a scan's minimum, profile and Lagrange interval ends (and contour vertices on request) on the true χ² (the emulator guides, the oracle decides) and certify them.")

    @OptionGroup var emulatorFile: RequiredEmulatorArguments<EmulatorHelp>
    var emulator: String { emulatorFile.emulator }
    enum EmulatorHelp: OptionHelp { static let help: ArgumentHelp = "The emulator that guides (value, gradient, Hessian); the one the scan was made with." }
    @Option(help: "The scan whose answers are refined (pdfemu scan --output).") var scan: String
    @Option(help: "The true χ²: 'CMD {input} {output}', fk:FILE, emulator:FILE.") var oracle: String
    @Option(parsing: .unconditional, help: "Bound parameters: name=lo:hi,... (added to the scan's constraints).") var bound: String?
    @OptionGroup var tolerances: RefineToleranceArguments
    @OptionGroup var refineRun: RefineRunArguments
    @OptionGroup var outputFile: OutputArguments<OutputHelp>
    var output: String? { outputFile.output }
    enum OutputHelp: OptionHelp { static let help: ArgumentHelp = "Write the refined scan (the scan with exact answers, and /refine) to this HDF5 file." }
    @Flag(help: "Print JSON (the refined scan in the layout of scan --json, with refine beside) instead of the summary.") var json = false
    @OptionGroup(title: "Batch system") var batchSystem: BatchSystemArguments

    func run() throws {
        try PDFEmuCommand.guarded {
            let spec = try OracleSpec(parsing: oracle)
            let invocation = RefineInvocation(epsilon: tolerances.epsilon, stationarity: tolerances.stationarity, maxIterations: tolerances.maxIterations, run: refineRun, spec: spec, stateFlag: "--state",
                                              batchSystem: batchSystem, defaultWorkBase: output.map { $0 + ".batches" } ?? "refine.batches",
                                              quiet: json)
            _ = try invocation.options()
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
            let identity = ["emulator=\(try RunIdentity.fileHash(emulator))", "scan=\(try RunIdentity.fileHash(scan))"]
            let ran: RefineResult?
            do { ran = try invocation.refine(guide: model, scan: scanResult, constraints: constraints, identity: identity) }
            catch let e as SettingError where e.setting == .refineScan { throw SettingError(.refineScan, scan, e.reason) }
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
        let width = max(26, (r.answers.map(\.name.count).max() ?? 0) + 1)   // contour vertices' names are longer
        s += Fmt.pad("answer", width) + Fmt.pad("emulator", 12, right: true) + Fmt.pad("exact", 12, right: true)
            + Fmt.pad("diff/hw", 9, right: true) + Fmt.pad("Δχ²−T²", 10, right: true) + Fmt.pad("stat", 9, right: true)
            + Fmt.pad("evals", 7, right: true) + "  status\n"
        for a in r.answers {
            s += Fmt.pad(a.name, width) + Fmt.num(a.emulatorValue ?? .nan, width: 12, digits: 7)
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
