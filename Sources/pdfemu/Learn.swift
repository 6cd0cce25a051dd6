import ArgumentParser
import Foundation
import PDFEmu

struct Learn: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Active learning: fit, scan, verify against the true χ², propose and evaluate, until every answer is certified.")

    @Argument(help: "Fit config (JSON, as for pdfemu fit; data.files and output are replaced by the state directory's).") var config: String
    @Option(help: "The true χ²: 'CMD {input} {output}', fk:FILE (the built-in theory) or emulator:FILE.") var oracle: String
    @Option(help: "Initial design size (drawn around the minimum of the built-in theory, or of --design-emulator).") var initial = 2000
    @Option(help: "Start from the evaluated points of this scan file instead of a design.") var initialScan: String?
    @Option(help: "Draw the initial design around the minimum of this emulator (for a command oracle).") var designEmulator: String?
    @Option(help: "Points proposed and evaluated per round.") var batch = 500
    @Option(help: "Most χ² evaluations in all (initial design and verification points included): a hard cap checked before every oracle call.") var budget = 20000
    @Option(help: "State directory (everything --resume needs).") var state = "learn_state"
    @Flag(help: "Continue the run kept in --state.") var resume = false
    @Option(help: "Rounds in a row every answer must be certified to stop.") var consecutive = 2
    @Option(help: "Largest move of an interval end between rounds, as a fraction of its width.") var moveTolerance = 0.02
    @Option(help: "Epochs of each warm-started refit (default: a quarter of the config's epochs).") var refitEpochs: Int?
    @Option(help: "Seed of the design and the proposals.") var seed: UInt64 = 1
    @Option(help: "Points per oracle call (0: a whole batch); each answer is stored before the next call.") var chunk = 0
    @Option(help: "Seconds an oracle command may run (0: no limit).") var oracleTimeout = 3600.0
    @OptionGroup var epsilon: VerifyEpsilonArguments
    @OptionGroup var scan: ScanArguments
    @OptionGroup var fixing: FixArguments
    @OptionGroup var mix: ProposalArguments
    @Flag(help: "End with the last round: do not refine the final scan's answers on the oracle.") var skipRefine = false
    @Option(help: "Evaluations of --budget kept for the last phase, refine (default: a quarter of --budget); the rounds stop at --budget less this, refine gets the rest.")
    var refineBudget: Int?
    @OptionGroup(title: "Refine (the last phase)") var refineTolerances: RefineToleranceArguments
    @OptionGroup(title: "Batch system") var batchSystem: BatchSystemArguments

    /// A new state directory is created only inside an existing, writable directory (one line otherwise);
    /// an existing one is used as it is.
    static func validateStateLocation(_ state: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: state, isDirectory: &isDir) {
            guard isDir.boolValue else { throw SettingError(.learnState, state, "is a file, not a state directory") }
            return
        }
        let parent = URL(fileURLWithPath: state).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDir), isDir.boolValue else {
            throw SettingError(.learnState, state, "the directory \(parent) does not exist (pdfemu creates only the state directory itself)")
        }
        guard FileManager.default.isWritableFile(atPath: parent) else {
            throw SettingError(.learnState, state, "cannot create the state directory: \(parent) is not writable")
        }
    }

    /// Everything in the state directory is learn's to write: an input inside it (in any spelling) is
    /// refused with one line.
    static func refuseInputsInside(_ state: String, inputs: [(label: String, path: String)]) throws {
        guard let dir = realpath(state, nil) else { return }
        defer { free(dir) }
        let root = String(cString: dir) + "/"
        for input in inputs {
            guard let p = realpath(input.path, nil) else { continue }
            defer { free(p) }
            if String(cString: p).hasPrefix(root) {
                throw SettingError(.learnState, state, "holds the input \(input.label) (\(input.path)), which learn may overwrite; keep inputs outside the state directory")
            }
        }
    }

    func run() throws {
        try PDFEmuCommand.guarded {
            try LearnSettings.validateSizes(initial: initialScan == nil ? initial : nil, batch: batch)
            try Self.validateStateLocation(state)
            let fit = try FitConfig.read(config)
            let scanOptions = try scan.options(fixed: try fixing.values() ?? [:])
            try scanOptions.validate()
            let verification = try epsilon.options()
            let spec = try OracleSpec(parsing: oracle)
            try batchSystem.validateSettings()
            try Self.refuseInputsInside(state, inputs: [("config", config)] + spec.inputFiles(labelled: "--oracle")
                                        + [("--initial-scan", initialScan), ("--design-emulator", designEmulator)].compactMap { k, v in v.map { (k, $0) } })
            let stop = OracleInterrupts.install()
            let theOracle = try spec.makeOracle(timeout: oracleTimeout > 0 ? oracleTimeout : nil, shouldStop: stop.shouldStop)
            // With --scheduler every batch is an array job whose tasks evaluate with --oracle; the design is
            // still drawn from the oracle itself.
            let arrayOracle = try batchSystem.enabled
                ? batchSystem.oracle(inner: spec.text, innerTimeout: oracleTimeout > 0 ? oracleTimeout : nil,
                                     defaultWorkDir: state + "/batches", runID: URL(fileURLWithPath: state).standardizedFileURL.path,
                                     resumeFlag: "--resume", log: { print($0); fflush(stdout) })
                : nil
            let start: LearnInitialDesign
            if let initialScan {
                if designEmulator != nil { throw PDFEmuError(usage: "give --initial-scan or --design-emulator, not both") }
                start = .scanFile(initialScan)
            } else if let designEmulator {
                start = .design(model: try Emulator.load(designEmulator), label: designEmulator, count: initial)
            } else if let model = theOracle.inMemoryModel {
                start = .design(model: model, label: theOracle.label, count: initial)
            } else {
                throw PDFEmuError(flag: "--oracle", oracle, "pdfemu cannot draw a design from a command; give --initial-scan FILE or --design-emulator E.h5")
            }
            if skipRefine && (refineBudget != nil || refineTolerances.given) {
                throw PDFEmuError(usage: "--skip-refine and the refine options (--refine-budget, --refine-epsilon, --refine-stationarity, --refine-max-iterations): give one")
            }
            let refine = skipRefine ? nil : LearnRefineSettings(
                options: RefineOptions(epsilon: refineTolerances.epsilon, stationarity: refineTolerances.stationarity,
                                       maxIterations: refineTolerances.maxIterations),
                reserve: refineBudget ?? budget / 4)
            let settings = LearnSettings(fit: fit, oracleSpec: spec.text, scan: scanOptions, verification: verification,
                                         proposal: try mix.options(count: batch, seed: seed), initial: start, batch: batch,
                                         budget: budget, consecutive: consecutive, moveTolerance: moveTolerance,
                                         refitEpochs: refitEpochs, seed: seed, chunkSize: chunk, refine: refine)
            let learner = try Learner(settings: settings, oracle: arrayOracle ?? theOracle, stateDirectory: state, resume: resume) { print($0); fflush(stdout) }
            var ran: LearnOutcome?
            try stop.reporting {
                do { ran = try learner.run() } catch {
                    if let submitted = arrayOracle?.record.submittedAndExited {
                        print("submitted, exiting: \(submitted)")
                        throw ExitCode(75)
                    }
                    throw error
                }
            }
            guard let outcome = ran else { return }
            try LearningCurvePlot.write(curveTable: outcome.curvePath, to: outcome.curveSVGPath)
            print("""
                \(outcome.converged ? "converged" : "stopped"): \(outcome.reason)
                emulator \(outcome.emulatorPath), every evaluated point \(outcome.pointsPath), final scan \(outcome.scanPath)
                learning curve \(outcome.curvePath), \(outcome.curveSVGPath)
                """)
            if let refined = outcome.refine, let path = outcome.refinedScanPath {
                // The final answers are refine's: exact to ε where certified.
                print("refined scan \(path)")
                print(Refine.report(refined), terminator: "")
                let open = refined.answers.filter { $0.status != .certified }.map(\.name)
                if !open.isEmpty {
                    // An outcome, not a fault of an input: one error line and exit status 1.
                    printErr("error: not converged (\(outcome.reason)); refine certified \(refined.certifiedCount) of \(refined.answers.count) answers; "
                             + "not certified: " + open.joined(separator: ", "))
                    throw ExitCode(1)
                }
                return
            }
            if !outcome.converged {
                // An outcome, not a fault of an input: one error line and exit status 1.
                printErr("error: not converged (\(outcome.reason)); \(outcome.uncertified.count) answer(s) not certified: "
                         + outcome.uncertified.joined(separator: ", "))
                throw ExitCode(1)
            }
        }
    }
}
