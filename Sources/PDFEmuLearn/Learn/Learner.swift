import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis

/// Where `pdfemu learn` takes its first points from.
public enum LearnInitialDesign: Sendable, Equatable {
    /// `DesignSampler` (default recipe) on a model: the oracle's own exact χ² (the built-in theory) or
    /// an emulator of it; N points from the seed.
    case design(model: any ScalarModel & Sendable, label: String, count: Int)
    /// The evaluated points of an existing scan file (copied into the state directory).
    case scanFile(String)

    /// Equal when they name the same design (model label and size) or the same scan file.
    public static func == (a: LearnInitialDesign, b: LearnInitialDesign) -> Bool { a.identity == b.identity }

    /// What goes into the state's identity.
    var identity: String {
        switch self {
        case .design(_, let label, let n): return "design:\(label):\(n)"
        case .scanFile(let path): return "scan:\(path)"
        }
    }
}

/// The settings of one `pdfemu learn` run.
public struct LearnSettings: Sendable {
    /// The fit config (its `files` and `output` are replaced by the state's).
    public var fit: FitConfig
    /// The oracle spec as given (for the identity and messages).
    public var oracleSpec: String
    /// The answers asked for.
    public var scan: ScanOptions
    /// How answers are verified.
    public var verification: VerificationOptions
    /// The proposal mix (its count and seed are set per round).
    public var proposal: ProposalOptions
    /// The first points.
    public var initial: LearnInitialDesign
    /// Points proposed and evaluated per round.
    public var batch: Int
    /// Most χ² evaluations in all (initial design and verification points included). It is checked
    /// before each batch; a round's verification (one or two points per answer) may pass it by that much.
    public var budget: Int
    /// Rounds in a row every answer must be certified (with interval ends settled) to stop.
    public var consecutive: Int
    /// Largest move of an interval end between rounds, as a fraction of the interval's width.
    public var moveTolerance: Double
    /// Epochs of each warm-started refit (the first fit uses the config's epochs).
    public var refitEpochs: Int
    /// Seed of the design and the proposals (round r uses seed + r).
    public var seed: UInt64
    /// Rows per oracle call (0: a whole batch at once); each call's answer is stored before the next.
    public var chunkSize: Int

    /// Creates settings.
    public init(fit: FitConfig, oracleSpec: String, scan: ScanOptions, verification: VerificationOptions = VerificationOptions(),
                proposal: ProposalOptions = ProposalOptions(count: 1), initial: LearnInitialDesign, batch: Int, budget: Int,
                consecutive: Int = 2, moveTolerance: Double = 0.02, refitEpochs: Int? = nil, seed: UInt64 = 1, chunkSize: Int = 0) {
        self.fit = fit; self.oracleSpec = oracleSpec; self.scan = scan; self.verification = verification
        self.proposal = proposal; self.initial = initial; self.batch = batch; self.budget = budget
        self.consecutive = consecutive; self.moveTolerance = moveTolerance
        self.refitEpochs = refitEpochs ?? max(1, fit.epochs / 4); self.seed = seed; self.chunkSize = chunkSize
    }

    /// The hash a state directory is tied to: everything that decides which points are asked (not the
    /// budget, which a resumed run may raise).
    public var identity: String {
        get throws {
            RunIdentity.hash([fit.sourceText, oracleSpec, try Fmt.json(scan), try Fmt.json(verification), try Fmt.json(proposal),
                              initial.identity, String(batch), String(consecutive), String(moveTolerance), String(refitEpochs), String(seed)])
        }
    }

    /// Throws one line naming the setting at fault.
    public func check() throws {
        guard batch > 0 else { throw PDFEmuError("--batch: must be > 0, got \(batch)") }
        guard consecutive >= 1 else { throw PDFEmuError("--consecutive: must be ≥ 1, got \(consecutive)") }
        guard moveTolerance > 0 else { throw PDFEmuError("--move-tolerance: must be > 0, got \(moveTolerance)") }
        if case .design(_, _, let n) = initial {
            guard n > 0 else { throw PDFEmuError("--initial: must be > 0, got \(n)") }
            guard budget >= n else { throw PDFEmuError("--budget \(budget) is smaller than the initial design (--initial \(n))") }
        }
        try scan.checkSettings()
        try verification.check()
    }
}

/// One round's record: what the progress line prints and the learning curve stores.
public struct LearnRound: Sendable, Equatable {
    /// Round number (1-based).
    public var round: Int
    /// χ² evaluations so far (after this round's verification).
    public var evaluations: Int
    /// Answers certified, and answers in all.
    public var certified: Int, answers: Int
    /// The largest error at an answer relative to its ε, and that answer's name.
    public var largestError: Double, largestAnswer: String
    /// Seconds in fit, scan, verification, proposal and oracle (the batch's evaluation).
    public var fitSeconds: Double, scanSeconds: Double, verifySeconds: Double, proposeSeconds: Double, oracleSeconds: Double

    /// The progress line.
    public var line: String {
        let total = fitSeconds + scanSeconds + verifySeconds + proposeSeconds + oracleSeconds
        func pct(_ s: Double) -> String { total > 0 ? "\(Int((100 * s / total).rounded()))%" : "0%" }
        return "round \(round): \(evaluations) evaluations, \(certified)/\(answers) answers certified, largest error "
            + (largestError.isFinite ? Fmt.fixed(largestError, 2) + "ε" : "—") + (largestAnswer.isEmpty ? "" : " (\(largestAnswer))")
            + "; fit \(Fmt.fixed(fitSeconds, 1)) s (\(pct(fitSeconds))), scan \(Fmt.fixed(scanSeconds, 1)) s (\(pct(scanSeconds))), "
            + "verify \(Fmt.fixed(verifySeconds, 1)) s (\(pct(verifySeconds))), propose \(Fmt.fixed(proposeSeconds, 1)) s (\(pct(proposeSeconds))), "
            + "oracle \(Fmt.fixed(oracleSeconds, 1)) s (\(pct(oracleSeconds)))"
    }
}

/// How a learn run ended.
public struct LearnOutcome: Sendable {
    /// True if every answer was certified in `consecutive` rounds in a row with settled interval ends.
    public var converged: Bool
    /// Why it stopped (one line).
    public var reason: String
    /// Every round run in this invocation and before it (from `rounds.tsv`).
    public var rounds: [LearnRound]
    /// The answers not certified in the last round.
    public var uncertified: [String]
    /// The final files: emulator, every evaluated point, the final scan, the curve table and where its SVG goes.
    public var emulatorPath: String, pointsPath: String, scanPath: String, curvePath: String, curveSVGPath: String
}

/// The active-learning loop of `pdfemu learn`: initial design, then rounds of fit (warm-started from
/// the previous round's emulator after the first), scan, verify, propose and evaluate, until every
/// answer is certified in `consecutive` rounds in a row and no interval end moves by more than
/// `moveTolerance` of its width between rounds, or the budget is spent. Every oracle answer is written
/// to the state directory as soon as it returns; a killed run continues with `resume`.
public struct Learner {
    /// The settings.
    public let settings: LearnSettings
    /// The oracle.
    public let oracle: any ChiSquareOracle
    /// The state directory.
    public let state: LearnState
    /// Receives the progress lines and notes.
    public let log: @Sendable (String) -> Void

    /// Opens (or, with `resume`, reopens) the state directory for `settings`. Throws one line for bad
    /// settings or a state directory from another run.
    public init(settings: LearnSettings, oracle: any ChiSquareOracle, stateDirectory: String, resume: Bool,
                log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        try settings.check()
        self.settings = settings
        self.oracle = oracle
        self.log = log
        state = try LearnState(directory: stateDirectory, identity: try settings.identity, resume: resume)
    }

    static let roundsHeader = "round\tevaluations\tcertified\tanswers\tlargest_error_over_epsilon\tlargest_answer\tfit_s\tscan_s\tverify_s\tpropose_s\toracle_s"
    static let curveHeader = "round\tevaluations\tanswer\tvalue\terror\tepsilon\tcertified"

    /// Runs the loop (continuing a resumed state where it stopped).
    public func run() throws -> LearnOutcome {
        try BLAS.ensureLoaded()
        var rounds = try previousRounds()
        var evaluated = try state.evaluated()
        // An unfinished batch first: the rows not yet stored.
        if FileManager.default.fileExists(atPath: state.pendingPath) {
            try finishPending(&evaluated)
        } else if evaluated.result.count == 0 {
            try startInitial(&evaluated)
        }
        var round = (rounds.last?.round ?? 0) + 1
        var previousScan: ScanResult? = rounds.isEmpty ? nil : try? ScanResult.readHDF5(state.scanPath(round - 1))
        // Rounds in a row with every answer certified (a resumed run counts those recorded).
        var streak = rounds.reversed().prefix { $0.certified == $0.answers }.count
        var undefinedStreak: [String: Int] = [:]
        while true {
            let t0 = Date()
            // Fit.
            var config = settings.fit
            try writeAllPoints(evaluated)
            config.files = [allPointsPath]
            try FileManager.default.createDirectory(atPath: state.roundDirectory(round), withIntermediateDirectories: true)
            config.output = state.emulatorPath(round)
            var warm: Emulator?
            if round > 1, let prev = try? Emulator.load(state.emulatorPath(round - 1)) { warm = prev; config.epochs = settings.refitEpochs }
            let fit = try FitRunner.run(config: config, options: FitOptions(output: config.output, warmStart: warm),
                                        log: { line in if line.hasPrefix("warm start") { log("round \(round): " + line) } })
            if fit.diverged { throw PDFEmuError("round \(round): training diverged (NaN loss); evaluated points are kept in \(state.directory); lower training.learning_rate and --resume") }
            let emulator = fit.emulator
            let t1 = Date()
            // Scan and verify.
            let scan = try ScanRunner.run(model: emulator, options: settings.scan)
            let t2 = Date()
            let verification = try Verification.run(model: emulator, scan: scan, scanOptions: settings.scan, oracle: oracle,
                                                    options: settings.verification) { pts, res in
                try state.record(pts, res, batch: "verify-\(round)", offset: 0)
            }
            evaluated = try state.evaluated()
            try scan.writeHDF5(to: state.scanPath(round)) { try verification.write(into: $0) }
            let t3 = Date()
            // The round's record.
            let finite = verification.answers.filter { $0.error.isFinite }
            let worst = finite.max { $0.error / $0.epsilon < $1.error / $1.epsilon }
            var record = LearnRound(round: round, evaluations: evaluated.result.count, certified: verification.certifiedCount,
                                    answers: verification.answers.count, largestError: worst.map { $0.error / $0.epsilon } ?? .nan,
                                    largestAnswer: worst?.name ?? "", fitSeconds: t1.timeIntervalSince(t0), scanSeconds: t2.timeIntervalSince(t1),
                                    verifySeconds: t3.timeIntervalSince(t2), proposeSeconds: 0, oracleSeconds: 0)
            // Stop? A certified round extends the streak only if no interval end moved by more than the tolerance.
            let settled = previousScan.map { Self.endsSettled(scan, previous: $0, tolerance: settings.moveTolerance) } ?? false
            if verification.allCertified { streak = streak > 0 && settled ? streak + 1 : 1 } else { streak = 0 }
            for a in verification.answers where a.note.contains("undefined") { undefinedStreak[a.name, default: 0] += 1 }
            for a in verification.answers where !a.note.contains("undefined") { undefinedStreak[a.name] = nil }
            previousScan = scan
            var stop: (converged: Bool, reason: String)?
            if streak >= settings.consecutive {
                stop = (true, "every answer certified in \(settings.consecutive) consecutive round(s) with interval ends moving < \(Fmt.fixed(100 * settings.moveTolerance, 1))% of their width")
            } else if let stuck = undefinedStreak.filter({ $0.value >= settings.consecutive + 1 }).keys.sorted().first {
                stop = (false, "the oracle is undefined at the points of \(stuck) in \(settings.consecutive + 1) rounds in a row: the answer lies outside where the oracle is defined")
            } else if evaluated.result.count >= settings.budget {
                stop = (false, "the budget of \(settings.budget) evaluations is spent")
            }
            var proposedCount = 0
            if stop == nil {
                // Propose and evaluate the next batch.
                let n = min(settings.batch, settings.budget - evaluated.result.count)
                var po = settings.proposal
                po.count = n
                po.seed = settings.seed &+ UInt64(round)
                let known = try evaluated.points?.columns(emulator.parameterNames) ?? []
                let proposal = try Proposer.propose(model: emulator, scan: scan, scanOptions: settings.scan, existing: known, options: po)
                let t4 = Date()
                record.proposeSeconds = t4.timeIntervalSince(t3)
                proposedCount = proposal.count
                if proposal.count == 0 {
                    stop = (false, "no new point to propose: every candidate lies within --min-distance of an evaluated point")
                } else {
                    try proposal.write(to: state.pendingPath, attributes: [("batch", "round-\(round)")])
                    try finishPending(&evaluated)
                    record.oracleSeconds = Date().timeIntervalSince(t4)
                }
            }
            for a in verification.answers {
                try state.append("curve.tsv", header: Self.curveHeader,
                                 "\(round)\t\(record.evaluations)\t\(a.name)\t\(a.value.map { String($0) } ?? "nan")\t\(a.error)\t\(a.epsilon)\t\(a.certified ? 1 : 0)")
            }
            try state.append("rounds.tsv", header: Self.roundsHeader, Self.tsv(record))
            rounds.append(record)
            log(record.line + (proposedCount > 0 ? "; +\(proposedCount) points" : ""))
            if let stop {
                return try finish(rounds: rounds, verification: verification, converged: stop.converged, reason: stop.reason)
            }
            round += 1
        }
    }

    /// `all_points.h5`: every evaluated point in one scan file (undefined rows kept as NaN).
    public var allPointsPath: String { state.directory + "/all_points.h5" }

    func writeAllPoints(_ e: (points: OraclePoints?, result: OracleResult, rowsByBatch: [String: Int])) throws {
        guard let points = e.points else { throw PDFEmuError("no evaluated point to fit") }
        try OracleFiles.write(e.result, points: points, to: allPointsPath, attributes: [("format", OracleScanFile.formatTag), ("oracle", oracle.label)])
    }

    /// The initial design: drawn and stored as the pending batch, then evaluated; or copied from a scan file.
    func startInitial(_ evaluated: inout (points: OraclePoints?, result: OracleResult, rowsByBatch: [String: Int])) throws {
        switch settings.initial {
        case .scanFile(let path):
            let c = try OracleScanFile.read(path)
            try state.record(c.points, c.result, batch: "initial-scan", offset: 0)
            log("initial: \(c.points.count) evaluated points from \(path)")
        case .design(let model, let label, let n):
            let d = try DesignSampler.sample(model: model, n: n, seed: settings.seed)
            let points = try OraclePoints(parameterNames: model.parameterNames, values: d.points)
            try AtomicOutput.write(to: state.pendingPath) { tmp in
                let f = try HDF5File(create: tmp)
                try f.write("/parameters", points.values, shape: [points.count, points.parameterNames.count])
                try f.writeStrings("/parameter_names", points.parameterNames)
                try f.writeAttribute("batch", "initial")
                try f.flush()
            }
            log("initial: \(n) design points around the minimum of \(label)")
            try finishPending(&evaluated)
            return
        }
        evaluated = try state.evaluated()
    }

    /// Evaluates the rows of the pending batch not yet stored, in chunks, storing each answer before the
    /// next call; removes the pending file when done. An oracle failure keeps what was evaluated and
    /// throws one line saying so.
    func finishPending(_ evaluated: inout (points: OraclePoints?, result: OracleResult, rowsByBatch: [String: Int])) throws {
        let pending = try OraclePoints.read(state.pendingPath)
        let batch = try HDF5File(open: state.pendingPath).readStringAttribute("batch")
        var done = evaluated.rowsByBatch[batch] ?? 0
        let size = settings.chunkSize > 0 ? settings.chunkSize : pending.count
        while done < pending.count {
            let rows = done..<min(pending.count, done + size)
            let outcome = oracle.evaluate(pending.rows(rows), chunkSize: 0)
            try state.record(outcome.evaluatedPoints, outcome.result, batch: batch, offset: done)
            done += outcome.result.count
            if let failure = outcome.failure {
                throw PDFEmuError("oracle failed in batch \(batch) after \(done) of \(pending.count) points (\(failure.error.description)); "
                                  + "the \(done) evaluated points are kept in \(state.directory); fix the oracle and rerun with --resume")
            }
        }
        try FileManager.default.removeItem(atPath: state.pendingPath)
        evaluated = try state.evaluated()
    }

    /// True if every closed interval end of `scan` is within `tolerance` of the interval's width of the
    /// same end in `previous` (an end that opened or closed counts as moved).
    public static func endsSettled(_ scan: ScanResult, previous: ScanResult, tolerance: Double) -> Bool {
        func pairs(_ r: ScanResult) -> [String: ProfileInterval] {
            var d: [String: ProfileInterval] = [:]
            for p in r.profiles { for iv in p.intervals { d["p/\(p.parameter)/\(iv.tolerance)"] = iv } }
            for l in r.lagrange { for iv in l.intervals { d["l/\(l.name)/\(iv.tolerance)"] = iv } }
            return d
        }
        let now = pairs(scan), before = pairs(previous)
        for (key, iv) in now {
            guard let old = before[key] else { return false }
            guard (iv.lower == nil) == (old.lower == nil), (iv.upper == nil) == (old.upper == nil) else { return false }
            guard let lo = iv.lower, let hi = iv.upper else { continue }
            let width = hi - lo
            if abs(lo - old.lower!) > tolerance * width || abs(hi - old.upper!) > tolerance * width { return false }
        }
        return true
    }

    /// The rounds already recorded in `rounds.tsv` (resume).
    func previousRounds() throws -> [LearnRound] {
        let path = state.directory + "/rounds.tsv"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line -> LearnRound? in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 11, let r = Int(f[0]), let n = Int(f[1]), let c = Int(f[2]), let a = Int(f[3]) else { return nil }
            let d = f[6...].map { Double($0) ?? 0 }
            return LearnRound(round: r, evaluations: n, certified: c, answers: a, largestError: Double(f[4]) ?? .nan, largestAnswer: f[5],
                              fitSeconds: d[0], scanSeconds: d[1], verifySeconds: d[2], proposeSeconds: d[3], oracleSeconds: d[4])
        }
    }

    static func tsv(_ r: LearnRound) -> String {
        ["\(r.round)", "\(r.evaluations)", "\(r.certified)", "\(r.answers)", "\(r.largestError)", r.largestAnswer,
         Fmt.fixed(r.fitSeconds, 3), Fmt.fixed(r.scanSeconds, 3), Fmt.fixed(r.verifySeconds, 3), Fmt.fixed(r.proposeSeconds, 3),
         Fmt.fixed(r.oracleSeconds, 3)].joined(separator: "\t")
    }

    /// The final files: the last emulator and scan copied to `emulator.h5` and `scan.h5`, every point
    /// in `all_points.h5` (the SVG of the curve is drawn by the caller: `LearningCurvePlot`).
    func finish(rounds: [LearnRound], verification: Verification, converged: Bool, reason: String) throws -> LearnOutcome {
        let r = rounds.last!.round
        let dir = state.directory
        for (from, to) in [(state.emulatorPath(r), dir + "/emulator.h5"), (state.scanPath(r), dir + "/scan.h5")] {
            try? FileManager.default.removeItem(atPath: to)
            try FileManager.default.copyItem(atPath: from, toPath: to)
        }
        try writeAllPoints(try state.evaluated())
        let svg = dir + "/curve.svg"
        return LearnOutcome(converged: converged, reason: reason, rounds: rounds,
                            uncertified: verification.answers.filter { !$0.certified }.map(\.name),
                            emulatorPath: dir + "/emulator.h5", pointsPath: allPointsPath, scanPath: dir + "/scan.h5",
                            curvePath: dir + "/curve.tsv", curveSVGPath: svg)
    }
}
