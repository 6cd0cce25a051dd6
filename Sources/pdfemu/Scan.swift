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
            try resultFile.validate(protecting: source.inputs + lagrangeEmulator.map { ("--lagrange-emulator", $0) }
                                          + (verification?.spec.inputFiles(labelled: "--verify") ?? []))
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
