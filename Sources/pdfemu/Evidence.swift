import ArgumentParser
import Foundation
import PDFEmu

struct Evidence: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "log Z = log ∫ π(θ) exp(−χ²/(2T²)) dθ for a uniform box prior; with two models, the Bayes factor; with --oracle, corrected by the true χ².",
        discussion: "Default (--method smc): sequential Monte Carlo from the prior with an adaptive temperature ladder (each step keeps "
            + "the ESS of the incremental weights at --smc-ess of the particles), systematic resampling and random-walk Metropolis moves "
            + "with the particles' covariance; --runs independent runs on all cores, log Z the log of the mean of their Z, the errors from their spread (Student-t "
            + "intervals at 68.3% and 95.4%). "
            + "--method smc,posterior-importance: also importance sampling from a Student-t mixture fitted to the SMC particles "
            + "(independent draws, a standard error; its log Z is then the one reported). --method importance: the Laplace approximation at the modes corrected by importance sampling; --method annealed: annealed "
            + "stepping stones from that reference (the two former estimators; --method all runs the three). --theory: --free gives configuration A, --free-b B. "
            + "--oracle ORACLE --oracle-output FILE: the true χ² at --oracle-samples posterior draws (one oracle batch, stored in FILE "
            + "before use) corrects the emulator's log Z: log Z_true = log Z_emu + log E_post[exp(−(χ²_true − χ²_emu)/(2T²))]. "
            + "`pdfemu evidence A.h5 B.h5 --prior ...` prints log B_AB.")

    @Argument(help: "Emulator files (one: its evidence; two: also the Bayes factor of the first against the second).") var models: [String] = []
    @OptionGroup var emulatorFile: EmulatorArguments<EmulatorHelp>
    var emulator: String? { emulatorFile.emulator }
    enum EmulatorHelp: OptionHelp { static let help: ArgumentHelp = "Emulator file (alternative to the positional argument)." }
    @OptionGroup var theoryFile: TheoryFileArguments<TheoryHelp>
    var theory: String? { theoryFile.theory }
    enum TheoryHelp: OptionHelp { static let help: ArgumentHelp = "The exact χ² of this FK theory file (e.g. Datasets/hera_fk_nlo.h5) instead of emulators." }
    @OptionGroup var parameters: TheoryParameterArguments
    @Option(help: "With --theory: the free parameters of a second configuration B of the same theory (e.g. the 14 and Duv); prints the Bayes factor of A against B.") var freeB: String?
    @Option(help: "Uniform prior box: name=lo:hi,... for every parameter.") var prior: String?
    @Option(help: "Prior file: JSON object {\"name\": [lo, hi], ...}.") var priorFile: String?
    @Option(help: "T² of the likelihood exp(−χ²/(2T²)).") var tolerance = 1.0
    @Option(help: "Estimators: smc (default), posterior-importance (with smc), importance, annealed, or all; comma-separated.") var method = "smc"
    @Option(help: "SMC: independent runs (their spread gives the error).") var runs = 8
    @Option(help: "SMC: particles per run.") var smcParticles = 1000
    @Option(help: "SMC: target ESS of each temperature step, as a fraction of the particles.") var smcEss = 0.9
    @Option(help: "SMC: Metropolis sweeps per temperature until the particles made this many accepted moves each on average.") var acceptedMoves = 16.0
    @Option(help: "SMC: at most this many Metropolis sweeps per temperature.") var maxSweeps = 160
    @Option(help: "Correct the emulator's log Z by the true χ² of this oracle ('CMD {input} {output}', fk:FILE, emulator:FILE).") var oracle: String?
    @Option(help: "With --oracle: write the oracle's answers (a pdfemu chi2 scan file) here before they are used.") var oracleOutput: String?
    @Option(name: .customLong("oracle-samples"), help: "With --oracle: posterior draws the oracle evaluates (in one batch) (default: 400).") var givenOracleSamples: Int?
    /// Draws the oracle evaluates (default 400).
    var oracleSamples: Int { givenOracleSamples ?? 400 }
    @Option(name: .customLong("correction"), help: "With --oracle: where the oracle's draws come from: posterior (the emulator's SMC particles; log Z_emu + log E_post[exp(−Δχ²/(2T²))]) or proposal (a Student-t mixture fitted to them and inflated, so it reaches where the emulator's χ² is too high; importance weights of the true χ² with the emulator's as control variate), or adaptive (half the draws from that proposal, the rest from one refitted to the true χ²'s weights on the first half) (default: posterior).") var givenCorrection: CorrectionSource?
    /// Where the oracle's draws come from (default posterior).
    var correction: CorrectionSource { givenCorrection ?? .posterior }
    @Option(help: "Write the SMC runs' final particles (posterior draws of the one model; exact copies kept once) to this points file (HDF5: /parameters, /parameter_names, /model_chi2, /run, /copies; evaluate it with pdfemu chi2).") var particlesOutput: String?
    @Option(help: "With --method posterior-importance: independent draws from the t-mixture fitted to the SMC particles.") var posteriorSamples = 20000
    @Option(help: "Importance samples.") var samples = 4000
    @Option(help: "Annealing particles.") var particles = 256
    @Option(help: "Annealing temperatures.") var temperatures = 48
    @Option(help: "Metropolis moves per particle and temperature.") var moves = 3
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Training points used as starts for the minimisation.") var starts = 8
    @Flag(help: "Print JSON instead of the summary.") var json = false

    func run() throws {
        try PDFEmuCommand.guarded {
            let files = models + (emulator.map { [$0] } ?? [])
            if theory == nil && (parameters.fix != nil || parameters.free != nil || freeB != nil) { throw needTheory(["--fix", "--free", "--free-b"]) }
            if let theory, !files.isEmpty { throw PDFEmuError(usage: "give emulator files or --theory \(theory), not both") }
            guard theory != nil || (1...2).contains(files.count) else {
                throw PDFEmuError(usage: "give one emulator (its evidence) or two (their Bayes factor), got \(files.count)")
            }
            let box: UniformBoxPrior
            switch (prior, priorFile) {
            case let (text?, nil): box = UniformBoxPrior(ranges: try ScanOptionParsing.ranges(text, option: "--prior"))
            case let (nil, path?): box = try UniformBoxPrior.read(path)
            case (nil, nil): throw PDFEmuError(usage: "--prior name=lo:hi,... (or --prior-file) is required: the evidence depends on the prior")
            default: throw PDFEmuError(usage: "give --prior or --prior-file, not both")
            }
            var o = EvidenceOptions(temperature2: tolerance, samples: samples, particles: particles, temperatures: temperatures,
                                    moves: moves, seed: seed, starts: starts)
            o.methods = try Self.methods(method)
            o.runs = runs; o.smcParticles = smcParticles; o.essFraction = smcEss; o.acceptedMoves = acceptedMoves; o.maxSweeps = maxSweeps
            o.posteriorSamples = posteriorSamples
            try o.validate()
            let oracleSpec = try resolveOracle(files: files, methods: o.methods)
            try validateParticlesOutput(files: files, methods: o.methods)
            var loaded: [any ScalarModel]
            var labels: [String]
            if let theory {
                loaded = [try parameters.model(theory)]
                labels = ["theory A (free: \(loaded[0].parameterNames.joined(separator: ",")))"]
                if let freeB {
                    let b = try parameters.model(theory, free: freeB)
                    loaded.append(b)
                    labels.append("theory B (free: \(b.parameterNames.joined(separator: ",")))")
                }
            } else {
                loaded = try files.map { try loadScalarModel($0) }
                labels = files.map { URL(fileURLWithPath: $0).lastPathComponent }
            }
            for m in loaded { _ = try box.box(for: m.parameterNames) }
            if o.methods.contains(.smc) { BLAS.setThreads(1) }   // the runs use the cores
            let results = try loaded.map { try EvidenceRunner.compute(model: $0, prior: box, options: o) }
            for (r, l) in zip(results, labels) where !r.logZ.isFinite || !r.logZError.isFinite || !r.logPriorVolume.isFinite {
                throw PDFEmuError(.input(l), "log Z = \(r.logZ) ± \(r.logZError) is not finite (log prior volume \(r.logPriorVolume)); "
                                  + "the prior box is too wide or the χ² undefined in it; give a narrower --prior")
            }
            if let particlesOutput { try writeParticles(results[0], label: labels[0], to: particlesOutput) }
            var proposalCorrection: ProposalCorrection?
            var correction: EvidenceCorrection?
            if let spec = oracleSpec {
                if self.correction == .proposal { proposalCorrection = try correctByProposal(results[0], model: loaded[0], spec: spec) }
                else if self.correction == .adaptive { proposalCorrection = try correctAdaptively(results[0], model: loaded[0], spec: spec) }
                else { correction = try correct(results[0], spec: spec) }
            }
            let factor = results.count == 2 ? BayesFactor(results[0], results[1], labels: (labels[0], labels[1])) : nil
            if json {
                struct Out: Encodable {
                    var results: [EvidenceResult]; var bayesFactor: BayesFactor?; var correction: EvidenceCorrection?
                    var proposalCorrection: ProposalCorrection?
                }
                print(try Fmt.json(Out(results: results, bayesFactor: factor, correction: correction, proposalCorrection: proposalCorrection)))
                if let correction, !correction.trusted { printErr("warning: " + Self.advice(correction)) }
                if let p = proposalCorrection, !p.trusted { printErr("warning: " + Self.advice(p)) }
            } else {
                for (r, l) in zip(results, labels) { print(r.text(label: l), terminator: "") }
                if let correction { print(correction.text(advice: Self.advice(correction)), terminator: "") }
                if let p = proposalCorrection { print(p.text(advice: Self.advice(p)), terminator: "") }
                if let factor { print(factor.text(), terminator: "") }
            }
        }
    }

    /// `--method`: a comma-separated list of smc, importance, annealed, or all.
    static func methods(_ text: String) throws -> [EvidenceMethod] {
        var out: [EvidenceMethod] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if part == "all" { out += EvidenceMethod.allCases; continue }
            guard let m = EvidenceMethod(rawValue: part) else {
                throw SettingError(.evidenceMethods, "unknown estimator '\(part)' (known: smc, posterior-importance, importance, annealed, all)")
            }
            out.append(m)
        }
        guard !out.isEmpty else { throw SettingError(.evidenceMethods, "give smc, importance, annealed or all") }
        return out
    }

    /// Checks the --oracle options before any work: one emulator, SMC among the methods, an output that
    /// overwrites no input; returns the parsed oracle.
    func resolveOracle(files: [String], methods: [EvidenceMethod]) throws -> OracleSpec? {
        guard let oracle else {
            if oracleOutput != nil || givenOracleSamples != nil || givenCorrection != nil {
                throw PDFEmuError(usage: "--oracle-output, --oracle-samples and --correction need --oracle")
            }
            return nil
        }
        guard theory == nil, files.count == 1 else { throw PDFEmuError(usage: "--oracle corrects one emulator's log Z: give one emulator file, not --theory or two") }
        guard methods.contains(.smc) else { throw PDFEmuError(usage: "--oracle needs the smc estimator (its particles are the posterior draws)") }
        guard let oracleOutput else { throw PDFEmuError(usage: "--oracle needs --oracle-output FILE: every oracle answer is stored before it is used") }
        guard oracleSamples >= 2 else { throw PDFEmuError(flag: "--oracle-samples", "need at least 2, got \(oracleSamples)") }
        let spec = try OracleSpec(parsing: oracle)
        try AtomicOutput.validateWritable(oracleOutput)
        try FileIdentity.refuseOverwrite(output: oracleOutput, inputs: files.map { ("emulator", $0) }
                                         + (priorFile.map { [("--prior-file", $0)] } ?? []))
        return spec
    }

    /// Checks --particles-output before any work: one model (one emulator, or --theory without --free-b), the smc
    /// estimator, an output that overwrites no input and is not --oracle-output.
    func validateParticlesOutput(files: [String], methods: [EvidenceMethod]) throws {
        guard let particlesOutput else { return }
        guard files.count == 1 || (theory != nil && freeB == nil) else {
            throw PDFEmuError(usage: "--particles-output writes the posterior of one model: give one emulator, or --theory without --free-b")
        }
        guard methods.contains(.smc) else { throw PDFEmuError(usage: "--particles-output needs the smc estimator (its final particles are written)") }
        let inputs: [(label: String, path: String)] = files.map { ("emulator", $0) } + (theory.map { [("--theory", $0)] } ?? [])
            + (priorFile.map { [("--prior-file", $0)] } ?? [])
        try AtomicOutput.validateOutput(particlesOutput, protecting: inputs)
        if let oracleOutput, AtomicOutput.resolvingLinks(oracleOutput) == AtomicOutput.resolvingLinks(particlesOutput)
            || URL(fileURLWithPath: oracleOutput).standardizedFileURL == URL(fileURLWithPath: particlesOutput).standardizedFileURL {
            throw PDFEmuError(usage: "--particles-output and --oracle-output name the same file \(particlesOutput); give two files")
        }
    }

    /// Writes the final particles of `r`'s SMC runs to `path` (atomically) and says how many.
    func writeParticles(_ r: EvidenceResult, label: String, to path: String) throws {
        guard let smc = r.smc, let particles = EvidenceParticles(parameterNames: r.parameterNames, smc: smc) else {
            throw PDFEmuError(usage: "--particles-output: the SMC runs left no particles to write")
        }
        let attrs: Provenance = [("format_version", "1"), ("pdfemu_version", pdfemuVersion), ("model", label),
                                 ("model_file", theory ?? models.first ?? emulator ?? ""),
                                 ("prior", priorFile ?? prior ?? ""), ("temperature2", String(r.temperature2)),
                                 ("log_z", String(smc.logZ)), ("log_z_error", String(smc.error)), ("runs", String(smc.runs.count)),
                                 ("particles_per_run", String(smc.particles)), ("seed", String(seed)),
                                 ("distinct_particles", String(particles.count))]
        try particles.write(to: path, attributes: attrs)
        printErr("wrote \(particles.count) distinct final particles of \(smc.runs.count) SMC runs (\(smc.posteriorChi2.count) in all) to \(path)")
    }

    /// The true χ² at posterior draws of `r` (one oracle batch), stored in --oracle-output, then the correction.
    func correct(_ r: EvidenceResult, spec: OracleSpec) throws -> EvidenceCorrection {
        guard let smc = r.smc, let oracleOutput else { throw PDFEmuError(usage: "--oracle needs the smc estimator") }
        let draws = smc.posteriorDraws(count: oracleSamples)
        let points = try OraclePoints(parameterNames: r.parameterNames, values: draws.theta.flatMap { $0 })
        let o = try spec.makeOracle()
        let outcome = o.evaluate(points, chunkSize: 0)
        if let failure = outcome.failure { throw PDFEmuError(flag: "--oracle", "\(failure.description); nothing written") }
        let stored = try store(outcome.result, points: outcome.evaluatedPoints, oracle: o, spec: spec, input: "evidence posterior draws",
                               to: oracleOutput)
        return EvidenceCorrection.compute(oracle: o.label, emulatorChi2: draws.chi2, trueChi2: stored.result.chi2,
                                          temperature2: r.temperature2, emulatorLogZ: smc.logZ, emulatorError: smc.error, seed: seed)
    }

    /// The true χ² at draws of the inflated proposal fitted to `r`'s SMC particles (the ones inside the prior
    /// box, one oracle batch), stored in --oracle-output, then the control-variate correction.
    func correctByProposal(_ r: EvidenceResult, model: any ScalarModel, spec: OracleSpec) throws -> ProposalCorrection {
        guard r.smc != nil, let oracleOutput else { throw PDFEmuError(usage: "--oracle needs the smc estimator") }
        guard let draws = CorrectionDraws.make(model: model, result: r, count: oracleSamples, seed: seed) else {
            throw PDFEmuError(usage: "--correction proposal: the SMC particles' covariance is singular; no proposal can be fitted")
        }
        let d = r.parameterNames.count
        let inside = (0..<oracleSamples).filter { draws.inside[$0] }
        guard !inside.isEmpty else { throw PDFEmuError(usage: "--correction proposal: no draw of the proposal lies in the prior box") }
        let points = try OraclePoints(parameterNames: r.parameterNames, values: inside.flatMap { Array(draws.theta[($0 * d)..<(($0 + 1) * d)]) })
        let o = try spec.makeOracle()
        let outcome = o.evaluate(points, chunkSize: 0)
        if let failure = outcome.failure { throw PDFEmuError(flag: "--oracle", "\(failure.description); nothing written") }
        let stored = try store(outcome.result, points: outcome.evaluatedPoints, oracle: o, spec: spec, input: "evidence proposal draws",
                               to: oracleOutput)
        guard stored.result.chi2.count == inside.count else { throw PDFEmuError(file: oracleOutput, "holds \(stored.result.chi2.count) answers, expected \(inside.count)") }
        var trueChi2 = [Double](repeating: .nan, count: oracleSamples)
        for (k, i) in inside.enumerated() { trueChi2[i] = stored.result.chi2[k] }
        return ProposalCorrection.compute(oracle: o.label, logQ: draws.logQ, emulatorChi2: draws.emulatorChi2, trueChi2: trueChi2,
                                          logVolume: r.logPriorVolume, temperature2: r.temperature2, emulatorLogZ: r.logZ,
                                          emulatorError: r.logZError, seed: seed)
    }

    /// The two-stage correction (`AdaptiveCorrection`): each oracle batch is appended to --oracle-output
    /// (rewritten whole, atomically) and read back before its answers are used.
    func correctAdaptively(_ r: EvidenceResult, model: any ScalarModel, spec: OracleSpec) throws -> ProposalCorrection {
        guard r.smc != nil, let oracleOutput else { throw PDFEmuError(usage: "--oracle needs the smc estimator") }
        let o = try spec.makeOracle()
        var allResults: OracleResult?
        var allValues: [Double] = []
        let evaluate: ([Double]) throws -> [Double] = { rows in
            let points = try OraclePoints(parameterNames: r.parameterNames, values: rows)
            let outcome = o.evaluate(points, chunkSize: 0)
            if let failure = outcome.failure { throw PDFEmuError(flag: "--oracle", "\(failure.description); nothing more written") }
            let before = allResults?.chi2.count ?? 0
            if allResults == nil { allResults = outcome.result } else { try allResults!.append(outcome.result) }
            allValues += outcome.evaluatedPoints.values
            let all = try OraclePoints(parameterNames: r.parameterNames, values: allValues)
            let stored = try store(allResults!, points: all, oracle: o, spec: spec, input: "evidence adaptive proposal draws", to: oracleOutput)
            guard stored.result.chi2.count == before + points.count else {
                throw PDFEmuError(file: oracleOutput, "holds \(stored.result.chi2.count) answers, expected \(before + points.count)")
            }
            return Array(stored.result.chi2[before...])
        }
        guard let c = try AdaptiveCorrection.run(emulator: model, result: r, count: oracleSamples, seed: seed, oracle: o.label,
                                                 evaluate: evaluate) else {
            throw PDFEmuError(usage: "--correction adaptive: the SMC particles' covariance is singular; no proposal can be fitted")
        }
        return c
    }

    /// Writes the oracle's answers at `points` to `path` (an oracle scan file with its provenance, atomically)
    /// and reads them back: what the correction uses is what was stored.
    func store(_ result: OracleResult, points: OraclePoints, oracle o: any ChiSquareOracle, spec: OracleSpec, input: String,
               to path: String) throws -> OracleScanFile.Contents {
        let attrs: Provenance = [("format", OracleScanFile.formatTag), ("format_version", "1"), ("pdfemu_version", pdfemuVersion),
                                 ("oracle", spec.text), ("input", input), ("evaluated_at", ISO8601DateFormatter().string(from: Date())),
                                 ("points_total", String(points.count)), ("row_offset", "0")] + o.provenance
        try OracleFiles.write(result, points: points, to: path, attributes: attrs, ndataPerExperiment: o.ndataPerExperiment)
        return try OracleScanFile.read(path)
    }

    /// The line printed when the proposal correction's ESS is too low to trust.
    static func advice(_ c: ProposalCorrection) -> String {
        "the correction rests on ESS \(Fmt.fixed(c.effectiveSampleSize, 1)) of \(c.points) draws: do not trust it; give more "
            + "--oracle-samples, or learn in the posterior's bulk (pdfemu learn with the same oracle, then pdfemu evidence again)"
    }

    /// The line printed when the correction's ESS is too low to trust.
    static func advice(_ c: EvidenceCorrection) -> String {
        "the correction rests on ESS \(Fmt.fixed(c.effectiveSampleSize, 1)) of \(c.points) draws (χ²_true − χ²_emu varies by "
            + "\(Fmt.fixed(c.sdDifference, 2)) across the posterior): do not trust it; learn in the posterior's bulk "
            + "(pdfemu learn with the same oracle, then pdfemu evidence again)"
    }
}

/// Where `evidence --oracle` takes the draws the oracle evaluates.
enum CorrectionSource: String, ExpressibleByArgument, CaseIterable {
    /// The emulator's SMC particles.
    case posterior
    /// A Student-t mixture fitted to them and inflated.
    case proposal
    /// Half from that proposal, half from one refitted to the first half's true-χ² weights.
    case adaptive
}
