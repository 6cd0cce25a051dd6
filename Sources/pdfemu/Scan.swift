import ArgumentParser
import Foundation
import PDFEmu

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Minimum, Hessian errors, 1D profiles, 2D contours and Lagrange scans of an emulated or exact χ².")

    @OptionGroup var source: ModelSourceArguments
    @OptionGroup var answers: ScanArguments
    @Option(help: "Lagrange scan of a second emulator's value (same parameters; repeatable).") var lagrangeEmulator: [String] = []
    @Option(help: "Compute only shard k/N of the work units (needs --output; combine with `pdfemu merge`).") var shard: String?
    @OptionGroup var sampling: MCMCArguments
    @Option(help: "Write SVG plots (profiles, contours, Lagrange scans, MCMC marginals) into this directory (created if missing).") var plot: String?
    @OptionGroup var verification: VerificationArguments
    @Option(help: "After the scan, solve its minimum, profile and Lagrange interval ends (contour vertices with --refine-contour-vertices) on the true χ² of this oracle and certify them, as pdfemu refine does ('CMD {input} {output}', fk:FILE, emulator:FILE); the summary, JSON and output are refine's.")
    var refine: String?
    @OptionGroup(title: "Refine (with --refine)") var refineTolerances: RefineToleranceArguments
    @OptionGroup(title: "Refine (with --refine)") var refineRun: RefineRunArguments
    @OptionGroup var resultFile: ResultFileArguments
    var output: String? { resultFile.output }
    @Flag(help: "Print JSON instead of the summary.") var json = false

    func run() throws {
        try PDFEmuCommand.guarded {
            try source.validate(fixWithoutTheory: .fixesEmulatorParameters)
            var o = try answers.options(fixed: try source.scanFixed())
            if let shard {
                o.shard = try ShardSpec(parsing: shard)
                if output == nil { throw PDFEmuError(usage: "--shard needs --output (shard files are combined with pdfemu merge)") }
            }
            o.mcmc = sampling.options
            try o.validate()
            let verification = try self.verification.resolve()
            let refinement = try refineInvocation()
            if refinement != nil {
                if verification != nil { throw PDFEmuError(usage: "--verify and --refine: give one (--refine certifies the answers on the true χ² itself)") }
                if shard != nil { throw PDFEmuError(usage: "--shard and --refine: refine the merged scan with pdfemu refine") }
            }
            try resultFile.validate(protecting: source.inputs + lagrangeEmulator.map { ("--lagrange-emulator", $0) }
                                          + (verification?.spec.inputFiles(labelled: "--verify") ?? [])
                                          + (refinement?.spec.inputFiles(labelled: "--refine") ?? []))
            if let plot { try ScanPlots.validateDirectory(plot) }
            let (model, identity) = try source.model(starts: answers.starts)
            let extra = try lagrangeEmulator.map {
                LagrangeModel(label: $0, model: try loadScalarModel($0), identity: try RunIdentity.fileHash($0))
            }
            let bar = ProgressBar(enabled: sampling.mcmc)
            let result = try ScanRunner.run(model: model, options: o, lagrangeModels: extra,
                                            modelIdentity: identity) { run, runs, p in
                bar.update(fraction: p.fraction, text: "MCMC run \(run + 1)/\(runs), step \(p.step)/\(p.totalSteps)"
                           + (p.inBurnIn ? " (burn-in)" : "") + ", acceptance \(Fmt.fixed(100 * p.acceptance, 1))%")
            }
            bar.clear()
            var checked: Verification?
            if let verification {
                let stop = OracleInterrupts.install()
                let oracle = try verification.spec.makeOracle(shouldStop: stop.shouldStop)
                try stop.reporting {
                    checked = try Verification.run(model: model, scan: result, scanOptions: o, oracle: oracle, options: verification.options)
                }
            }
            if let refinement {
                let scanHash = RunIdentity.hash([try Fmt.json(result.withoutTiming)])   // the timing differs run to run: --refine-state resumes
                do {
                    guard let refined = try refinement.refine(guide: model, scan: result, constraints: result.minimum.constraints,
                                                              identity: ["model=\(identity)", "scan=\(scanHash)"]) else { return }
                    try writeRefined(result, refined)
                } catch let e as SettingError { throw PDFEmuError(usage: Self.refineLine(e)) }
                return
            }
            // Everything that can fail happens before a file is replaced: plots are staged beside their
            // targets, the output is written atomically, and only then do the plots move into place.
            let staged = try plot.map { try ScanPlots.stage(result, verification: checked, in: $0) }
            do {
                if let output { try result.write(to: output) { try checked?.write(into: $0) } }
            } catch {
                staged?.discard()
                throw error
            }
            try staged?.commit()
            if json {
                print(try checked.map { try Fmt.json(ScanJSON(scan: result, key: "verification", extra: $0)) } ?? Fmt.json(result))
            } else {
                print(result.text() + (checked.map { $0.text() } ?? ""), terminator: "")
            }
        }
    }

    /// The refine run of --refine (nil without it); one line if a refine option comes without --refine or
    /// a value is out of range.
    func refineInvocation() throws -> RefineInvocation? {
        guard let refine else {
            if refineTolerances.given || refineRun.given { throw PDFEmuError(usage: "--refine-… options need --refine") }
            return nil
        }
        let spec = try OracleSpec(parsing: refine)
        let invocation = RefineInvocation(epsilon: refineTolerances.epsilon, stationarity: refineTolerances.stationarity, maxIterations: refineTolerances.maxIterations, run: refineRun, spec: spec, stateFlag: "--refine-state",
                                          batchSystem: nil, defaultWorkBase: output.map { $0 + ".batches" } ?? "refine.batches", quiet: json)
        do { _ = try invocation.options() } catch { throw PDFEmuError(usage: Self.refineLine(error)) }
        return invocation
    }

    /// A refine setting's error line with scan's spelling of its flag (--refine-budget, not --budget).
    static func refineLine(_ e: SettingError) -> String {
        guard let setting = e.setting else { return e.message }
        let prefixed: Set<Setting> = [.refineEpsilon, .refineStationarity, .refineBudget, .refineGradients, .refineMaxIterations, .refineState,
                                      .refineSecantSteps, .refineStepGradient, .refineContourVertices]
        if setting == .refineGuide { return e.line(naming: "--refine") }
        return e.line(naming: prefixed.contains(setting) ? "--refine-" + setting.flag.dropFirst(2) : setting.flag)
    }

    /// Writes refine's outputs of `--refine`: the plots (the emulator's profiles with the exact ends marked),
    /// the refined scan with /refine, and refine's summary or JSON; exit status 1 unless every answer is certified.
    func writeRefined(_ scan: ScanResult, _ refine: RefineResult) throws {
        let refined = refine.applied(to: scan)
        let staged = try plot.map { try ScanPlots.stage(scan, refine: refine, in: $0) }
        do {
            if let output { try refined.write(to: output) { try refine.write(into: $0) } }
        } catch {
            staged?.discard()
            throw error
        }
        try staged?.commit()
        if json {
            print(try Fmt.json(ScanJSON(scan: refined, key: "refine", extra: refine)))
        } else {
            print(Refine.report(refine), terminator: "")
        }
        if refine.certifiedCount < refine.answers.count { throw ExitCode(1) }
    }

    /// The largest accepted T² or contour level.
    static let maxLevel = 1e8

    /// A comma-separated list of Δχ² levels, sorted ascending; a level given twice or above `maxLevel`
    /// is an error.
    static func levelList(_ text: String, option: String) throws -> [Double] {
        let values = try ScanOptionParsing.numbers(text, option: option).sorted()
        for (a, b) in zip(values, values.dropFirst()) where a == b { throw PDFEmuError(flag: option, "\(a) is given twice") }
        if let big = values.last, big > maxLevel { throw PDFEmuError(flag: option, "\(big) is above the largest accepted level, 1e8") }
        return values
    }
}

/// JSON of a scan with one more object beside its fields: `verification` (scan --verify), `refine` (refine).
struct ScanJSON<Extra: Encodable>: Encodable {
    let scan: ScanResult
    let key: String
    let extra: Extra
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    func encode(to encoder: Encoder) throws {
        try scan.encode(to: encoder)
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(extra, forKey: Key(stringValue: key))
    }
}
