import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis

/// Where `pdfemu learn` takes its first points from.
package enum LearnInitialDesign: Sendable, Equatable {
    /// `DesignSampler` (default recipe) on a model: the oracle's own exact χ² (the built-in theory) or
    /// an emulator of it; N points from the seed.
    case design(model: any ScalarModel & Sendable, label: String, count: Int)
    /// The evaluated points of an existing scan file (copied into the state directory).
    case scanFile(String)

    /// Equal when they name the same design (model label and size) or the same scan file.
    package static func == (a: LearnInitialDesign, b: LearnInitialDesign) -> Bool { a.identity == b.identity }

    /// What goes into the state's identity.
    var identity: String {
        switch self {
        case .design(_, let label, let n): return "design:\(label):\(n)"
        case .scanFile(let path): return "scan:\(path)"
        }
    }
}

/// The settings of one `pdfemu learn` run.
package struct LearnSettings: Sendable {
    /// The fit config (its `files` and `output` are replaced by the state's).
    package var fit: FitConfig
    /// The oracle spec as given (for the identity and messages).
    package var oracleSpec: String
    /// The answers asked for.
    package var scan: ScanOptions
    /// How answers are verified.
    package var verification: VerificationOptions
    /// The proposal mix (its count and seed are set per round).
    package var proposal: ProposalOptions
    /// The first points.
    package var initial: LearnInitialDesign
    /// Points proposed and evaluated per round.
    package var batch: Int
    /// Most χ² evaluations in all (initial design and verification points included): a hard cap,
    /// checked before every oracle call (a call is cut short, or not made, rather than pass it).
    package var budget: Int
    /// Rounds in a row every answer must be certified (with interval ends settled) to stop.
    package var consecutive: Int
    /// Largest move of an interval end between rounds, as a fraction of the interval's width.
    package var moveTolerance: Double
    /// Epochs of each warm-started refit (the first fit uses the config's epochs).
    package var refitEpochs: Int
    /// Seed of the design and the proposals (round r uses seed + r).
    package var seed: UInt64
    /// Rows per oracle call (0: a whole batch at once); each call's answer is stored before the next.
    package var chunkSize: Int
    /// The last phase: the final scan's answers refined on the oracle (nil: learn ends with its last round).
    package var refine: LearnRefineSettings?

    /// Evaluations the rounds may spend: the budget less what is kept for refine.
    package var roundsBudget: Int { budget - (refine?.reserve ?? 0) }

    /// Creates settings.
    package init(fit: FitConfig, oracleSpec: String, scan: ScanOptions, verification: VerificationOptions = VerificationOptions(),
                proposal: ProposalOptions = ProposalOptions(count: 1), initial: LearnInitialDesign, batch: Int, budget: Int,
                consecutive: Int = 2, moveTolerance: Double = 0.02, refitEpochs: Int? = nil, seed: UInt64 = 1, chunkSize: Int = 0,
                refine: LearnRefineSettings? = nil) {
        self.fit = fit; self.oracleSpec = oracleSpec; self.scan = scan; self.verification = verification
        self.proposal = proposal; self.initial = initial; self.batch = batch; self.budget = budget
        self.consecutive = consecutive; self.moveTolerance = moveTolerance
        self.refitEpochs = refitEpochs ?? max(1, fit.epochs / 4); self.seed = seed; self.chunkSize = chunkSize
        self.refine = refine
    }

    /// The hash a state directory is tied to: everything that decides which points are asked (not the
    /// budget, which a resumed run may raise).
    package var identity: String {
        get throws {
            RunIdentity.hash([fit.sourceText, oracleSpec, try Fmt.json(scan), try Fmt.json(verification), try Fmt.json(proposal),
                              initial.identity, String(batch), String(consecutive), String(moveTolerance), String(refitEpochs), String(seed)])
        }
    }

    /// Throws one line naming the setting at fault.
    package func validate() throws {
        guard batch > 0 else { throw SettingError(.learnBatch, "must be > 0, got \(batch)") }
        guard consecutive >= 1 else { throw SettingError(.learnConsecutive, "must be ≥ 1, got \(consecutive)") }
        guard moveTolerance > 0 else { throw SettingError(.learnMoveTolerance, "must be > 0, got \(moveTolerance)") }
        if case .design(_, _, let n) = initial {
            guard n > 0 else { throw SettingError(.learnInitial, "must be > 0, got \(n)") }
            guard budget >= n else { throw SettingError(.learnBudget, "\(budget) is smaller than the initial design of \(n) points") }
        }
        try scan.validate()
        try verification.validate()
        if let refine { try refine.validate(budget: budget, initial: { if case .design(_, _, let n) = initial { return n } else { return 0 } }()) }
    }
}

/// One round's record: what the progress line prints and the learning curve stores.
package struct LearnRound: Sendable, Equatable {
    /// Round number (1-based).
    package var round: Int
    /// χ² evaluations behind this round's answers: the points its emulator was fitted on and its
    /// verification points (the proposals asked in the same batch count from the next round).
    package var evaluations: Int
    /// Answers certified, and answers in all.
    package var certified: Int, answers: Int
    /// The largest error at an answer relative to its ε, and that answer's name.
    package var largestError: Double, largestAnswer: String
    /// Seconds in fit, scan, verification (planning and judging, no oracle), proposal and oracle (the
    /// round's one batch: verification and proposal points).
    package var fitSeconds: Double, scanSeconds: Double, verifySeconds: Double, proposeSeconds: Double, oracleSeconds: Double

    /// The progress line.
    package var line: String {
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
package struct LearnOutcome: Sendable {
    /// True if every answer was certified in `consecutive` rounds in a row with settled interval ends.
    package var converged: Bool
    /// Why it stopped (one line).
    package var reason: String
    /// Every round run in this invocation and before it (from `rounds.tsv`).
    package var rounds: [LearnRound]
    /// The answers not certified in the last round.
    package var uncertified: [String]
    /// The final files: emulator, every evaluated point, the final scan, the curve table and where its SVG goes.
    package var emulatorPath: String, pointsPath: String, scanPath: String, curvePath: String, curveSVGPath: String
    /// The last phase's result: the final scan's answers refined on the oracle (nil: no refine phase).
    package var refine: RefineResult?
    /// The refined scan (with `/refine`), `DIR/refined.h5` (nil: no refine phase).
    package var refinedScanPath: String?
    /// Why the refine phase did not run although asked for (nil otherwise).
    package var refineNote: String?
}

/// The active-learning loop of `pdfemu learn`: initial design, then rounds of fit (warm-started from
/// the previous round's emulator after the first), scan, then one oracle batch holding the verification
/// points of the scan's answers and the points proposed from the same emulator, until every
/// answer is certified in `consecutive` rounds in a row and no interval end moves by more than
/// `moveTolerance` of its width between rounds, or the budget is spent. Every oracle answer is written
/// to the state directory and recorded in its journal as soon as it returns, before it is used; a
/// killed run continues with `resume`, which replays the journal: no stored point is asked again, the
/// rounds are those an uninterrupted run takes, and the budget is never passed.
package struct Learner {
    /// The settings.
    package let settings: LearnSettings
    /// The oracle.
    package let oracle: any ChiSquareOracle
    /// The state directory.
    package let state: LearnState
    /// Receives the progress lines and notes.
    package let log: @Sendable (String) -> Void

    /// Opens (or, with `resume`, reopens) the state directory for `settings`. Throws one line for bad
    /// settings or a state directory from another run.
    package init(settings: LearnSettings, oracle: any ChiSquareOracle, stateDirectory: String, resume: Bool,
                log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        try settings.validate()
        self.settings = settings
        self.oracle = oracle
        self.log = log
        state = try LearnState(directory: stateDirectory, identity: try settings.identity, resume: resume)
    }

    static let roundsHeader = "round\tevaluations\tcertified\tanswers\tlargest_error_over_epsilon\tlargest_answer\tfit_s\tscan_s\tverify_s\tpropose_s\toracle_s"
    static let curveHeader = "round\tevaluations\tanswer\tvalue\terror\tepsilon\tcertified"

    /// Runs the loop, holding the state directory's lock until it returns. A resumed state is replayed
    /// from its journal: every stored answer, emulator and round is taken as stored and the loop takes
    /// the same steps as an uninterrupted run; only what the journal does not hold as answered is asked.
    package func run() throws -> LearnOutcome {
        try state.lock.acquire()
        defer { state.lock.release() }
        try BLAS.ensureLoaded()
        var recorded: [Int: LearnRound] = [:]
        for r in try previousRounds() where recorded[r.round] == nil { recorded[r.round] = r }
        let storedRounds = state.journal.rounds.keys.max() ?? 0
        if storedRounds > 0 || !state.journal.answers.isEmpty {
            log("resume: \(state.journal.answers.count) stored answer(s), \(storedRounds) complete round(s) replayed from \(state.journalPath)")
        }
        var evaluated = EvaluatedPoints()
        try startInitial(&evaluated)
        var rounds: [LearnRound] = []
        var rule = StopRule(settings: settings)
        var round = 1
        while true {
            let complete = state.journal.rounds[round] != nil
            var step = try runRound(round: round, complete: complete, rule: rule, &evaluated)
            var stop = rule.update(scan: step.scan, verification: step.verification)
            if stop == nil && step.proposed == 0 {
                // The round's batch held no proposal (its verification could have ended the run, or a stored
                // round resumed with a larger budget): its proposal now, as batch `proposal-R`.
                try proposeAfterVerification(round: round, complete: complete, &step, &evaluated)
            }
            if stop == nil && step.proposed == 0 {
                // No proposal: the budget is spent, or nothing new is left to propose.
                stop = rule.budgetSpent(evaluations: evaluated.count)
                    ?? (false, "no new point to propose: every candidate lies within the minimum distance of an evaluated point")
            }
            let record = step.record(round: round)
            if !complete {
                try recordRound(record, verification: step.verification)
                log(record.line + (step.proposed > 0 ? "; +\(step.proposed) points" : ""))
            }
            rounds.append(complete ? recorded[round] ?? record : record)
            if let stop {
                let refined = settings.refine == nil ? nil : try refinePhase(round: round, scan: step.scan, &evaluated)
                var outcome = try finish(rounds: rounds, verification: step.verification, evaluated: evaluated, converged: stop.converged, reason: stop.reason)
                outcome.refine = refined?.result
                outcome.refinedScanPath = refined?.path
                outcome.refineNote = refined == nil && settings.refine != nil ? "refine skipped: no evaluation of the budget is left" : nil
                if refined == nil, let note = outcome.refineNote { log(note) }
                return outcome
            }
            round += 1
        }
    }

    /// One round as run now or as stored: its emulator's scan, the verification of the scan's answers and
    /// the proposals of that emulator (asked with the verification as one batch `round-R`, or after it as
    /// `proposal-R`), with the timings.
    struct RoundStep {
        /// The stored scan of the round's emulator.
        var scan: ScanResult
        /// The stored verification of its answers.
        var verification: Verification
        /// Evaluations behind the round's answers: the points its emulator was fitted on and its verification
        /// points asked (the proposals asked in the same batch count from the next round).
        var evaluations: Int
        /// Points proposed and asked in the round's batch (0: none; the budget is spent or nothing new was left).
        var proposed: Int
        /// Seconds: fit, scan, verification (its plan and judgement), proposal, the batch's oracle calls.
        var fitSeconds = 0.0, scanSeconds = 0.0, verifySeconds = 0.0, proposeSeconds = 0.0, oracleSeconds = 0.0

        /// The round's record.
        func record(round: Int) -> LearnRound {
            let finite = verification.answers.filter { $0.error.isFinite }
            let worst = finite.max { $0.error / $0.epsilon < $1.error / $1.epsilon }
            return LearnRound(round: round, evaluations: evaluations, certified: verification.certifiedCount,
                              answers: verification.answers.count, largestError: worst.map { $0.error / $0.epsilon } ?? .nan,
                              largestAnswer: worst?.name ?? "", fitSeconds: fitSeconds, scanSeconds: scanSeconds,
                              verifySeconds: verifySeconds, proposeSeconds: proposeSeconds, oracleSeconds: oracleSeconds)
        }
    }

    /// Round `round`: fits (or takes the stored fit), scans the emulator, plans the verification of its
    /// answers and, unless that verification could end the run (`StopRule.mayStop`), proposes the next
    /// points from the same emulator and scan; then asks the oracle for both as ONE batch `round-R`
    /// (verification points first, so a batch cut by the budget keeps them) and judges the answers on the
    /// stored χ². A round whose verification could end the run asks it alone (its proposal, asked only if
    /// the run goes on, would be wasted otherwise). A complete round's batch joins the evaluated points as
    /// stored; its stored scan and verification decide, the same values whether run now or replayed.
    func runRound(round: Int, complete: Bool, rule: StopRule, _ evaluated: inout EvaluatedPoints) throws -> RoundStep {
        let name = "round-\(round)"
        let before = evaluated.count
        var step: RoundStep
        if !complete {
            let t0 = Date()
            let emulator = try fitRound(round, evaluated)
            let t1 = Date()
            let scan = try ScanRunner.run(model: emulator, options: settings.scan)
            let t2 = Date()
            try settings.verification.validate()
            let plan = VerificationPlan.make(model: emulator, scan: scan, scanOptions: settings.scan, options: settings.verification)
            let checks = try OraclePoints(parameterNames: scan.parameterNames, values: plan.thetas.flatMap { $0 })
            let fresh = Self.freshCount(plan.thetas, evaluated)
            let t3 = Date()
            let proposal = rule.mayStop(scan: scan) ? nil
                : try propose(round: round, model: emulator, scan: scan, checks: checks, room: settings.roundsBudget - before - fresh, evaluated)
            let t4 = Date()
            let proposed = proposal?.count ?? 0
            var batch = checks
            if let proposal, proposed > 0 { batch = try Self.joined(checks, try proposal.oraclePoints) }
            if batch.count > 0 {
                _ = try ask(name, purpose: proposed > 0 ? "round" : "verification", batch, &evaluated,
                            kinds: proposed > 0 && checks.count == 0 ? proposal : nil)
            }
            let t5 = Date()
            var chi2: [Double] = [], missing = Set<Int>()
            for (i, t) in plan.thetas.enumerated() {
                if let r = evaluated.row(of: t) { chi2.append(evaluated.result.chi2[r]) } else { chi2.append(.nan); missing.insert(i) }
            }
            let judged = plan.judge(chi2: chi2, oracle: oracle.label, options: settings.verification, missing: missing)
            try scan.write(to: state.scanPath(round)) { try judged.write(into: $0) }
            // The stored scan and verification decide (the same values when replayed).
            guard let verification = try Verification.read(state.scanPath(round)) else {
                throw LearnStateError.missing(file: state.scanPath(round), what: "its /verification group")
            }
            let t6 = Date()
            step = RoundStep(scan: try ScanResult.read(state.scanPath(round)), verification: verification, evaluations: before + min(fresh, evaluated.count - before),
                             proposed: proposed, fitSeconds: t1.timeIntervalSince(t0), scanSeconds: t2.timeIntervalSince(t1),
                             verifySeconds: t3.timeIntervalSince(t2) + t6.timeIntervalSince(t5), proposeSeconds: t4.timeIntervalSince(t3),
                             oracleSeconds: t5.timeIntervalSince(t4))
        } else {
            guard let verification = try Verification.read(state.scanPath(round)) else {
                throw LearnStateError.missing(file: state.scanPath(round), what: "its /verification group")
            }
            let fresh = Self.freshCount(verification.points.map(\.theta), evaluated)
            try absorb(name, &evaluated)
            let b = state.journal.batches[name]
            step = RoundStep(scan: try ScanResult.read(state.scanPath(round)), verification: verification,
                             evaluations: before + min(fresh, evaluated.count - before),
                             proposed: b?.purpose == "round" ? b!.count - min(fresh, b!.count) : 0)
        }
        // A lower minimum found by the round's scan restarted it (or was reported at a bound): say so.
        for n in step.scan.notes ?? [] { log("round \(round): note: " + n) }
        return step
    }

    /// The proposal of a round whose batch held none, asked after its verification as batch `proposal-R`
    /// (or taken as stored): a round whose verification could have ended the run and did not, or a stored
    /// final round resumed with a larger budget. Nothing when the rounds' budget is spent; `step.proposed`
    /// stays 0 when nothing new can be proposed.
    func proposeAfterVerification(round: Int, complete: Bool, _ step: inout RoundStep, _ evaluated: inout EvaluatedPoints) throws {
        let name = "proposal-\(round)"
        if let b = state.journal.batches[name], state.journal.answers(of: name).reduce(0, { $0 + $1.hi - $1.lo }) == b.count {
            try absorb(name, &evaluated)
            step.proposed = b.count
            return
        }
        guard settings.roundsBudget > evaluated.count else { return }
        let t0 = Date()
        let checks = try OraclePoints(parameterNames: step.scan.parameterNames, values: step.verification.points.flatMap(\.theta))
        guard let proposal = try propose(round: round, model: try loadEmulator(round), scan: step.scan, checks: checks,
                                         room: settings.roundsBudget - evaluated.count, evaluated), proposal.count > 0 else { return }
        let t1 = Date()
        _ = try ask(name, purpose: "proposal", try proposal.oraclePoints, &evaluated, kinds: proposal)
        step.proposed = proposal.count
        step.proposeSeconds += t1.timeIntervalSince(t0)
        step.oracleSeconds += Date().timeIntervalSince(t1)
        if complete { log("round \(round): +\(proposal.count) points (proposed on resume: the budget was raised)") }
    }

    /// The number of distinct points of `thetas` not evaluated yet.
    static func freshCount(_ thetas: [[Double]], _ evaluated: EvaluatedPoints) -> Int {
        var seen = Set<[UInt64]>()
        for t in thetas where evaluated.row(of: t) == nil { seen.insert(EvaluatedPoints.key(t)) }
        return seen.count
    }

    /// `a`'s rows then `b`'s (the same parameters, taken by name).
    static func joined(_ a: OraclePoints, _ b: OraclePoints) throws -> OraclePoints {
        if a.count == 0 { return b }
        let cols = try b.columns(a.parameterNames)
        return try OraclePoints(parameterNames: a.parameterNames, values: a.values + cols)
    }

    /// When the loop stops: every answer certified in `consecutive` rounds in a row with ends settled, an
    /// answer undefined for `consecutive + 1` rounds, or (for a round that asked no proposal) the budget spent.
    struct StopRule {
        let settings: LearnSettings
        var streak = 0
        var undefinedStreak: [String: Int] = [:]
        var previousScan: ScanResult?

        init(settings: LearnSettings) { self.settings = settings }

        /// Takes a round's scan and verification; returns why to stop, or nil to go on.
        mutating func update(scan: ScanResult, verification: Verification) -> (converged: Bool, reason: String)? {
            // A certified round extends the streak only if no interval end moved by more than the tolerance.
            let settled = previousScan.map { Learner.endsSettled(scan, previous: $0, tolerance: settings.moveTolerance) } ?? false
            if verification.allCertified { streak = streak > 0 && settled ? streak + 1 : 1 } else { streak = 0 }
            for a in verification.answers where a.note.contains("undefined") { undefinedStreak[a.name, default: 0] += 1 }
            for a in verification.answers where !a.note.contains("undefined") { undefinedStreak[a.name] = nil }
            previousScan = scan
            if streak >= settings.consecutive {
                return (true, "every answer certified in \(settings.consecutive) consecutive round(s) with interval ends moving < \(Fmt.fixed(100 * settings.moveTolerance, 1))% of their width")
            }
            if let stuck = undefinedStreak.filter({ $0.value >= settings.consecutive + 1 }).keys.sorted().first {
                return (false, "the oracle is undefined at the points of \(stuck) in \(settings.consecutive + 1) rounds in a row: the answer lies outside where the oracle is defined")
            }
            return nil
        }

        /// True if the next round's verification could end the run (before it is known): with ends that
        /// did not move since the previous scan it would complete `consecutive` certified rounds, or an
        /// answer undefined in `consecutive` rounds would reach `consecutive + 1`.
        func mayStop(scan: ScanResult) -> Bool {
            let settled = previousScan.map { Learner.endsSettled(scan, previous: $0, tolerance: settings.moveTolerance) } ?? false
            if (streak > 0 && settled ? streak + 1 : 1) >= settings.consecutive { return true }
            return undefinedStreak.values.contains { $0 >= settings.consecutive }
        }

        /// Why to stop when `evaluations` have spent the rounds' budget (nil: they have not).
        func budgetSpent(evaluations: Int) -> (converged: Bool, reason: String)? {
            guard evaluations >= settings.roundsBudget else { return nil }
            if settings.roundsBudget == settings.budget { return (false, "the budget of \(settings.budget) evaluations is spent") }
            return (false, "the rounds' share of the budget is spent (\(settings.roundsBudget) of \(settings.budget) evaluations; the rest is refine's)")
        }
    }

    /// Round `round`'s proposal (a deterministic function of its emulator and scan, the evaluated points and
    /// the round's verification points, and the seed): at most `min(batch, room)` points, none within the
    /// minimum distance of an evaluated or a verification point. Nil when `room` ≤ 0.
    func propose(round: Int, model: Emulator, scan: ScanResult, checks: OraclePoints, room: Int,
                 _ evaluated: EvaluatedPoints) throws -> Proposal? {
        guard room > 0 else { return nil }
        var po = settings.proposal
        po.count = min(settings.batch, room)
        po.seed = settings.seed &+ UInt64(round)
        let known = (try evaluated.points?.columns(model.parameterNames) ?? []) + (checks.count > 0 ? try checks.columns(model.parameterNames) : [])
        return try Proposer.propose(model: model, scan: scan, scanOptions: settings.scan, existing: known, options: po)
    }

    /// Appends the round to curve.tsv and rounds.tsv and records it as complete in the journal.
    func recordRound(_ record: LearnRound, verification: Verification) throws {
        for a in verification.answers {
            try state.append("curve.tsv", header: Self.curveHeader,
                             "\(record.round)\t\(record.evaluations)\t\(a.name)\t\(a.value.map { String($0) } ?? "nan")\t\(a.error)\t\(a.epsilon)\t\(a.certified ? 1 : 0)")
        }
        try state.append("rounds.tsv", header: Self.roundsHeader, Self.tsv(record))
        try state.journal.step("tables")
        try state.journal.recordRound(record.round, file: "round_\(record.round)/scan.h5",
                                      sha: LearnJournal.sha256(file: state.scanPath(record.round)) ?? "")
    }

    /// `all_points.h5`: every evaluated point in one scan file (undefined rows kept as NaN).
    package var allPointsPath: String { state.directory + "/all_points.h5" }

    func writeAllPoints(_ e: EvaluatedPoints) throws {
        guard let points = e.points else { throw PDFEmuError(file: state.directory, "no evaluated point to fit") }
        try OracleFiles.write(e.result, points: points, to: allPointsPath, attributes: [("format", OracleScanFile.formatTag), ("oracle", oracle.label)])
    }

    /// Round `round`'s emulator: the stored fit if the journal records it, else a fit (warm-started from
    /// the previous round's stored emulator) stored and recorded. Always the emulator as read back from
    /// its file, so a replay computes with the same numbers.
    func fitRound(_ round: Int, _ evaluated: EvaluatedPoints) throws -> Emulator {
        if state.journal.fits[round] != nil { return try loadEmulator(round) }
        var config = settings.fit
        try writeAllPoints(evaluated)
        config.files = [allPointsPath]
        try FileManager.default.createDirectory(atPath: state.roundDirectory(round), withIntermediateDirectories: true)
        config.output = state.emulatorPath(round)
        var warm: Emulator?
        if round > 1, let prev = try? loadEmulator(round - 1) { warm = prev; config.epochs = settings.refitEpochs }
        let fit = try FitRunner.run(config: config, options: FitOptions(output: config.output, warmStart: warm),
                                    log: { line in if line.hasPrefix("warm start") { log("round \(round): " + line) } })
        if fit.diverged { throw PDFEmuError(.step("round \(round)"), "training diverged (NaN loss); evaluated points are kept in \(state.directory); lower training.learning_rate and resume") }
        try LearnJournal.sync(file: config.output)
        try state.journal.recordFit(round, file: "round_\(round)/emulator.h5", sha: LearnJournal.sha256(file: config.output) ?? "")
        return try loadEmulator(round)
    }

    /// Round `round`'s stored emulator.
    func loadEmulator(_ round: Int) throws -> Emulator { try Emulator.load(state.emulatorPath(round)) }

    /// The initial design, or the initial scan's points (read from the journal when stored).
    func startInitial(_ evaluated: inout EvaluatedPoints) throws {
        switch settings.initial {
        case .scanFile(let path):
            let name = "initial-scan"
            if state.journal.batches[name] == nil {
                let c = try OracleScanFile.read(path)
                let digest = LearnJournal.digest(c.points)
                try state.journal.recordBatch(.init(name: name, purpose: "initial", count: c.points.count, digest: digest, file: path,
                                                    sha: LearnJournal.sha256(file: path) ?? ""))
                try state.journal.recordAsk(.init(seq: state.journal.nextSequence, batch: name, lo: 0, hi: c.points.count, digest: digest))
                _ = try state.store(c.points, c.result, batch: name, offset: 0, sequence: state.journal.nextSequence)
                log("initial: \(c.points.count) evaluated points from \(path)")
            }
            try absorb(name, &evaluated)
        case .design(let model, let label, let n):
            let d = try DesignSampler.sample(model: model, n: n, seed: settings.seed)
            let points = try OraclePoints(parameterNames: model.parameterNames, values: d.points)
            if state.journal.batches["initial"] == nil { log("initial: \(n) design points around the minimum of \(label)") }
            _ = try ask("initial", purpose: "initial", points, &evaluated)
        }
    }

    /// Adds the stored answers of batch `name` to `evaluated`, in journal order.
    func absorb(_ name: String, _ evaluated: inout EvaluatedPoints) throws {
        for a in state.journal.answers(of: name) { try evaluated.add(file: state.directory + "/" + a.file) }
    }

    /// Asks the oracle for `points` as batch `name`, exactly once: duplicates within the batch and points
    /// already evaluated are left out; the distinct new points are recorded (journal `batch`, `pending.h5`)
    /// before the first call; their stored answers (a resumed run) are taken as stored; the rest are
    /// asked in chunks, each call recorded before it is made and its answer stored and recorded before
    /// the next; no call passes the budget (the batch is cut short instead). Returns the rows left
    /// unasked for the budget. An oracle failure keeps what was evaluated and throws one line.
    func ask(_ name: String, purpose: String, _ points: OraclePoints, _ evaluated: inout EvaluatedPoints,
             kinds proposal: Proposal? = nil, cap: Int? = nil) throws -> Int {
        // The distinct points not yet evaluated, in order.
        var seen = Set<[UInt64]>(), fresh: [Int] = []
        for i in 0..<points.count {
            let t = points.point(i)
            if evaluated.row(of: t) == nil, seen.insert(EvaluatedPoints.key(t)).inserted { fresh.append(i) }
        }
        let asked = try OraclePoints(parameterNames: points.parameterNames, values: fresh.flatMap { points.point($0) })
        let digest = LearnJournal.digest(asked)
        let journal = state.journal
        if let b = journal.batches[name] {
            guard b.count == asked.count, b.digest == digest else {
                throw LearnStateError.replayMismatch(batch: name, reason: "the replayed run computes \(asked.count) points (digest \(digest.prefix(12))), "
                                                     + "the journal recorded \(b.count) (digest \(b.digest.prefix(12))); the run is not deterministic (training threads or time limit?)")
            }
        } else {
            guard asked.count > 0 else { return 0 }
            try writePending(asked, batch: name, proposal: fresh.count == points.count ? proposal : nil)
            try journal.recordBatch(.init(name: name, purpose: purpose, count: asked.count, digest: digest, file: "pending.h5",
                                          sha: LearnJournal.sha256(file: state.pendingPath) ?? ""))
        }
        try absorb(name, &evaluated)
        var done = journal.answers(of: name).reduce(0) { $0 + $1.hi - $1.lo }
        let size = settings.chunkSize > 0 ? settings.chunkSize : max(1, asked.count)
        while done < asked.count {
            let room = (cap ?? settings.roundsBudget) - evaluated.count
            guard room > 0 else { break }
            if !FileManager.default.fileExists(atPath: state.pendingPath) { try writePending(asked, batch: name, proposal: nil) }
            let rows = done..<min(asked.count, done + size, done + room)
            let part = asked.rows(rows)
            let seq = journal.nextSequence
            try journal.recordAsk(.init(seq: seq, batch: name, lo: rows.lowerBound, hi: rows.upperBound, digest: LearnJournal.digest(part)))
            let outcome = oracle.evaluate(part, chunkSize: 0)
            if outcome.result.count > 0 {
                let stored = try state.store(outcome.evaluatedPoints, outcome.result, batch: name, offset: done, sequence: seq)
                try evaluated.add(file: state.directory + "/" + stored.file)
            }
            done += outcome.result.count
            if let failure = outcome.failure {
                throw PDFEmuError(.step("batch \(name)"), "oracle failed after \(done) of \(asked.count) points (\(failure.error.description)); "
                                  + "the \(done) evaluated points are kept in \(state.directory); fix the oracle and resume")
            }
        }
        if FileManager.default.fileExists(atPath: state.pendingPath) { try FileManager.default.removeItem(atPath: state.pendingPath) }
        return asked.count - done
    }

    /// `pending.h5`: the batch's points to ask (with the proposal's kinds when given).
    func writePending(_ points: OraclePoints, batch: String, proposal: Proposal?) throws {
        if let proposal {
            try proposal.write(to: state.pendingPath, attributes: [("batch", batch)])
        } else {
            try AtomicOutput.write(to: state.pendingPath) { tmp in
                let f = try HDF5File(create: tmp)
                try f.writePoints(points)
                try f.writeAttribute("batch", batch)
                try f.flush()
            }
        }
        try LearnJournal.sync(file: state.pendingPath)
    }

    /// True if every closed interval end of `scan` is within `tolerance` of the interval's width of the
    /// same end in `previous` (an end that opened or closed counts as moved).
    package static func endsSettled(_ scan: ScanResult, previous: ScanResult, tolerance: Double) -> Bool {
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
    func finish(rounds: [LearnRound], verification: Verification, evaluated: EvaluatedPoints, converged: Bool, reason: String) throws -> LearnOutcome {
        let r = rounds.last!.round
        let dir = state.directory
        for (from, to) in [(state.emulatorPath(r), dir + "/emulator.h5"), (state.scanPath(r), dir + "/scan.h5")] {
            guard let data = FileManager.default.contents(atPath: from) else { throw LearnStateError.missing(file: from, what: "round \(r)'s output") }
            try AtomicOutput.write(data, to: to)
        }
        try writeAllPoints(evaluated)
        let svg = dir + "/curve.svg"
        return LearnOutcome(converged: converged, reason: reason, rounds: rounds,
                            uncertified: verification.answers.filter { !$0.certified }.map(\.name),
                            emulatorPath: dir + "/emulator.h5", pointsPath: allPointsPath, scanPath: dir + "/scan.h5",
                            curvePath: dir + "/curve.tsv", curveSVGPath: svg)
    }
}

extension Setting {
    /// Certified rounds in a row that end the loop.
    package static let learnConsecutive = Setting("learn.consecutive")
    /// How far an interval end may move between certified rounds (fraction of its width).
    package static let learnMoveTolerance = Setting("learn.moveTolerance")
    /// The most oracle evaluations of a learn run.
    package static let learnBudget = Setting("learn.budget")
    /// The directory of a learn run's state.
    package static let learnState = Setting("learn.state")
    /// Continuing a learn run from its state.
    package static let learnResume = Setting("learn.resume")
}
