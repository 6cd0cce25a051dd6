import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
import PDFEmuTestSupport

/// An oracle that keeps every point it is asked (IEEE-754 bits), in order, and answers through `base`.
final class CountingOracle: ChiSquareOracle, @unchecked Sendable {
    let base: any ChiSquareOracle
    private var keys: [[UInt64]] = []
    private let lock = NSLock()
    init(_ base: any ChiSquareOracle) { self.base = base }
    var label: String { base.label }
    var parameterNames: [String]? { base.parameterNames }
    func evaluate(_ points: OraclePoints) throws(OracleError) -> OracleResult {
        lock.lock()
        for i in 0..<points.count { keys.append(points.point(i).map(\.bitPattern)) }
        lock.unlock()
        return try base.evaluate(points)
    }
    var asked: [[UInt64]] { lock.lock(); defer { lock.unlock() }; return keys }
}

/// The points an example oracle run with `--log FILE` was asked, one per line.
func exampleLog(_ path: String) -> [String] {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
}

/// A kill injected at the k-th journal step.
struct InjectedKill: Error, CustomStringConvertible {
    let step: Int, name: String
    var description: String { "injected kill at step \(step) (\(name))" }
}

/// What a finished learn run leaves: its stored points and χ² (bits), its rounds and why it stopped.
struct LearnRunRecord: Equatable {
    var points: [UInt64], chi2: [UInt64], rowsByBatch: [String: Int]
    var rounds: [[Int]], reason: String
}

/// `pdfemu learn`'s state is exactly-once (issue 17, items 3–5): a journal replayed on resume, a hard
/// budget, an exclusive lock, damaged state refused, duplicates asked once.
final class LearnExactlyOnceTests: XCTestCase {
    static let model = QuadraticModel(p: 3)

    static func settings(budget: Int = 110, batch: Int = 20, initial: Int = 60) -> LearnSettings {
        var c = FitConfig.defaults
        c.hidden = [8, 8]; c.epochs = 10; c.batchSize = 32; c.maxMinutes = 0; c.threads = 1; c.members = 2
        c.outputStructure = .direct; c.targetTransform = .log1p; c.weightScale = 10; c.weightPower = 1; c.maxDeltaChi2 = nil
        c.sourceText = "{\"exactly-once\": 1}"
        var o = ScanOptions(profileParameters: ["p0", "p1"], tolerances: [1])
        o.points = 9
        return LearnSettings(fit: c, oracleSpec: "exact-quadratic", scan: o, verification: VerificationOptions(mcmcSamples: 0),
                             initial: .design(model: model, label: "quadratic", count: initial), batch: batch, budget: budget,
                             refitEpochs: 4, chunkSize: 8)
    }

    /// Runs a learner on `dir` to its end (resuming if `resume`), killing it at journal step `kill` if given.
    /// Returns the outcome, or nil if killed; `steps` gets the number of journal steps taken.
    static func run(_ settings: LearnSettings, oracle: any ChiSquareOracle, dir: String, resume: Bool, kill: Int? = nil,
                    steps: UnsafeMutablePointer<Int>? = nil) throws -> LearnOutcome? {
        let learner = try Learner(settings: settings, oracle: oracle, stateDirectory: dir, resume: resume)
        let counter = Counter()
        learner.state.journal.hook = { k, name in
            counter.set(k)
            if let kill, k == kill { throw InjectedKill(step: k, name: name) }
        }
        defer { steps?.pointee = counter.value }
        do { return try learner.run() } catch is InjectedKill { return nil }
    }

    static func record(_ dir: String, _ outcome: LearnOutcome) throws -> LearnRunRecord {
        let state = try LearnState(directory: dir, identity: try settings().identity, resume: true)
        let e = try state.evaluated()
        return LearnRunRecord(points: e.points!.values.map(\.bitPattern), chi2: e.result.chi2.map(\.bitPattern), rowsByBatch: e.rowsByBatch,
                              rounds: outcome.rounds.map { [$0.round, $0.evaluations, $0.certified, $0.answers] }, reason: outcome.reason)
    }

    final class Counter: @unchecked Sendable {
        private var k = 0
        private let lock = NSLock()
        func set(_ v: Int) { lock.lock(); k = v; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return k }
    }

    /// Kill at random journal steps (one to three kills per trial, 20 trials with an in-process oracle and
    /// 3 with the example command oracle), then `resume` to the end: no point is asked twice, the stored
    /// points and the rounds equal an uninterrupted run's of the same seed, the budget is never passed.
    func testKillAtRandomStepsThenResumeAsksNothingTwiceAndMatchesAnUninterruptedRun() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let settings = Self.settings()
        let example = try ExampleOracle.path()
        // `make soak` repeats this with other seeds and more trials (PDFEMU_KILL_SEED, PDFEMU_KILL_TRIALS: a multiplier).
        let env = ProcessInfo.processInfo.environment
        let scale = max(1, Int(env["PDFEMU_KILL_TRIALS"] ?? "") ?? 1), seedBase = UInt64(env["PDFEMU_KILL_SEED"] ?? "") ?? 0
        for (oracleKind, trials) in [("model", 20 * scale), ("command", 3 * scale)] {
            func makeOracle(_ tag: String) throws -> (any ChiSquareOracle, () -> [String]) {
                if oracleKind == "model" {
                    let c = CountingOracle(ModelOracle(Self.model, label: "exact"))
                    return (c, { c.asked.map { $0.map { String($0, radix: 16) }.joined(separator: ",") } })
                }
                let log = dir.path("\(tag).log")
                let c = try CommandOracle(ShellCommand.quote(example) + " --log " + ShellCommand.quote(log) + " {input} {output}")
                return (c, { exampleLog(log) })
            }
            // The uninterrupted run.
            let (refOracle, refAsked) = try makeOracle("\(oracleKind)-reference")
            var totalSteps = 0
            let refOutcome = try XCTUnwrap(try Self.run(settings, oracle: refOracle, dir: dir.path("\(oracleKind)-reference"), resume: false, steps: &totalSteps))
            let reference = try Self.record(dir.path("\(oracleKind)-reference"), refOutcome)
            XCTAssertEqual(Set(refAsked()).count, refAsked().count, "the uninterrupted run asks no point twice")
            XCTAssertLessThanOrEqual(refAsked().count, settings.budget)
            XCTAssertEqual(refAsked().count, refOutcome.rounds.last!.evaluations)
            XCTAssertGreaterThanOrEqual(refOutcome.rounds.count, 2)
            var rng = SeededGenerator(seed: (oracleKind == "model" ? 17 : 18) &+ seedBase)
            for trial in 0..<trials {
                let state = dir.path("\(oracleKind)-\(trial)")
                let (oracle, asked) = try makeOracle("\(oracleKind)-\(trial)")
                var kills: [Int] = []
                var outcome: LearnOutcome?
                var resume = false
                for attempt in 0..<4 {
                    // Up to three kills, at a random step of what is left; then to the end.
                    let kill = attempt < 1 + trial % 3 ? 1 + Int(rng.nextUniform() * Double(totalSteps)) : nil
                    var steps = 0
                    outcome = try Self.run(settings, oracle: oracle, dir: state, resume: resume, kill: kill, steps: &steps)
                    if let kill, outcome == nil { kills.append(kill) }
                    resume = true
                    if outcome != nil { break }
                }
                let what = "\(oracleKind) trial \(trial), kills at steps \(kills) of \(totalSteps)"
                let done = try XCTUnwrap(outcome, what)
                let all = asked()
                XCTAssertEqual(all.count, Set(all).count, "a point was asked twice: " + what)
                XCTAssertEqual(Set(all), Set(refAsked()), what)
                XCTAssertLessThanOrEqual(all.count, settings.budget, what)
                XCTAssertEqual(try Self.record(state, done), reference, what)
            }
        }
    }

    /// `pdfemu learn` killed with SIGKILL at random instants (a command oracle), then `--resume`d: only the
    /// call in flight at the kill is asked again, and the stored points and rounds equal an uninterrupted run's.
    func testSIGKILLAtRandomInstantsThenResumeMatchesAnUninterruptedRun() throws {
        guard PDFEmuExecutable.url != nil else { throw XCTSkip("pdfemu not built") }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let example = try ExampleOracle.path()
        var rng = SeededGenerator(seed: 5)
        var values: [Double] = []
        for _ in 0..<60 { values += [0.1 + 0.3 * rng.nextGaussian(), 0.2 + 0.3 * rng.nextGaussian(), 0.3 + 0.3 * rng.nextGaussian()] }
        let points = try OraclePoints(parameterNames: ["a", "b", "c"], values: values)
        try OracleFiles.write(try CommandOracle(try ExampleOracle.command()).evaluate(points), points: points, to: dir.path("initial.h5"))
        try """
            {"data": {"files": ["x.h5"]}, "network": {"hidden": [8, 8], "members": 2},
             "training": {"epochs": 12, "batch_size": 32, "max_minutes": 0, "threads": 1}, "output": "x_emulator.h5"}
            """.write(toFile: dir.path("config.json"), atomically: true, encoding: .utf8)
        func args(_ tag: String) -> [String] {
            ["learn", dir.path("config.json"), "--oracle", ShellCommand.quote(example) + " --log " + ShellCommand.quote(dir.path(tag + ".log")) + " {input} {output}",
             "--initial-scan", dir.path("initial.h5"), "--batch", "20", "--chunk", "8", "--budget", "125", "--state", dir.path(tag),
             "--params", "a,b", "--points", "9", "--refit-epochs", "4"]
        }
        let t0 = Date()
        let ref = try PDFEmuExecutable.run(args("reference"), timeout: 300)
        let elapsed = Date().timeIntervalSince(t0)
        XCTAssertTrue(ref.status == 0 || ref.stderr.hasPrefix("error: not converged"), ref.stderr)
        let refPoints = try OracleScanFile.read(dir.path("reference/all_points.h5"))
        let refRounds = try String(contentsOfFile: dir.path("reference/rounds.tsv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t").prefix(4).joined(separator: "\t") }
        XCTAssertEqual(Set(exampleLog(dir.path("reference.log"))).count, exampleLog(dir.path("reference.log")).count)
        XCTAssertLessThanOrEqual(exampleLog(dir.path("reference.log")).count, 125 - 60)
        for trial in 0..<3 {
            let tag = "kill-\(trial)"
            let p = Process()
            p.executableURL = PDFEmuExecutable.url
            p.arguments = args(tag)
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(UInt32((0.15 + 0.7 * rng.nextUniform()) * elapsed * 1e6))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            // The call in flight at the kill (recorded as asked, not answered) is the only one that may be asked again.
            var inFlight = 0
            if let journal = try? String(contentsOfFile: dir.path(tag + "/journal.tsv"), encoding: .utf8) {
                let lines = journal.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
                let answered = lines.filter { $0.first == "answer" }.count
                if let ask = lines.last(where: { $0.first == "ask" }), Int(ask[1])! >= answered { inFlight = Int(ask[4])! - Int(ask[3])! }
            }
            let before = exampleLog(dir.path(tag + ".log"))
            let r = try PDFEmuExecutable.run(args(tag) + ["--resume"], timeout: 300)
            XCTAssertEqual(r.status, ref.status, r.stderr)
            let all = exampleLog(dir.path(tag + ".log"))
            XCTAssertLessThanOrEqual(all.count - Set(all).count, inFlight, "trial \(trial): points asked twice beyond the call in flight")
            XCTAssertEqual(Set(all), Set(exampleLog(dir.path("reference.log"))), "trial \(trial)")
            XCTAssertLessThanOrEqual(Set(all).count, 125 - 60)
            _ = before
            let got = try OracleScanFile.read(dir.path(tag + "/all_points.h5"))
            XCTAssertEqual(got.points, refPoints.points, "trial \(trial)")
            XCTAssertEqual(got.result.chi2.map(\.bitPattern), refPoints.result.chi2.map(\.bitPattern), "trial \(trial)")
            let rounds = try String(contentsOfFile: dir.path(tag + "/rounds.tsv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t").prefix(4).joined(separator: "\t") }
            XCTAssertEqual(rounds, refRounds, "trial \(trial)")
        }
    }

    /// The budget is a hard cap: a verification that would pass it is cut short (its unasked answers not
    /// certified), and the run stops with exactly the budget spent.
    func testBudgetIsAHardCapCheckedBeforeEveryCall() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        for budget in [83, 97] {
            let oracle = CountingOracle(ModelOracle(Self.model, label: "exact"))
            let outcome = try XCTUnwrap(try Self.run(Self.settings(budget: budget), oracle: oracle, dir: dir.path("b\(budget)"), resume: false))
            XCTAssertTrue(outcome.reason.contains("budget"), outcome.reason)
            XCTAssertLessThanOrEqual(oracle.asked.count, budget)
            XCTAssertEqual(outcome.rounds.last!.evaluations, oracle.asked.count)
            XCTAssertEqual(try OracleScanFile.read(outcome.pointsPath).points.count, oracle.asked.count)
        }
    }

    /// A second learn on a state directory in use fails at once with one line naming it and the holder's pid.
    func testSecondLearnOnOneStateFailsWithTheLockHolder() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // In one process: a learner holds the lock from opening the state until its run ends.
        let first = try Learner(settings: Self.settings(), oracle: ModelOracle(Self.model, label: "exact"), stateDirectory: dir.path("s"), resume: false)
        for resume in [true, false] {
            XCTAssertThrowsError(try Learner(settings: Self.settings(), oracle: ModelOracle(Self.model, label: "exact"), stateDirectory: dir.path("s"), resume: resume)) {
                XCTAssertEqual(userMessage($0), "state directory \(dir.path("s")): in use by another pdfemu learn (pid \(getpid())); wait for it to end or use another state directory")
            }
        }
        _ = first
        // Two processes: the CLI, its oracle slowed down.
        guard PDFEmuExecutable.url != nil else { throw XCTSkip("pdfemu not built") }
        try """
            {"data": {"files": ["x.h5"]}, "network": {"hidden": [8, 8]},
             "training": {"epochs": 5, "max_minutes": 0, "threads": 1}, "output": "x_emulator.h5"}
            """.write(toFile: dir.path("config.json"), atomically: true, encoding: .utf8)
        var rng = SeededGenerator(seed: 9)
        var values: [Double] = []
        for _ in 0..<40 { values += [0.1 + 0.3 * rng.nextGaussian(), 0.2 + 0.3 * rng.nextGaussian()] }
        let points = try OraclePoints(parameterNames: ["a", "b"], values: values)
        try OracleFiles.write(try CommandOracle(try ExampleOracle.command()).evaluate(points), points: points, to: dir.path("initial.h5"))
        let args = ["learn", dir.path("config.json"), "--oracle", "sleep 10; " + (try ExampleOracle.command()), "--initial-scan", dir.path("initial.h5"),
                    "--budget", "100", "--state", dir.path("cli"), "--params", "a", "--points", "7"]
        let p = Process()
        p.executableURL = PDFEmuExecutable.url
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() } }
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: dir.path("cli/pending.h5")) && Date() < deadline && p.isRunning { usleep(20_000) }
        XCTAssertTrue(p.isRunning)
        for extra in [["--resume"], []] {
            let t = Date()
            let r = try PDFEmuExecutable.run(args + extra, timeout: 60)
            XCTAssertLessThan(Date().timeIntervalSince(t), 20, "fails at once")
            XCTAssertEqual(r.status, 1)
            XCTAssertEqual(r.stderrLines, ["error: state directory \(dir.path("cli")): in use by another pdfemu learn (pid \(p.processIdentifier)); wait for it to end or use another state directory"])
        }
        // The initial scan's record and round 1's one call: the second learn asked nothing.
        XCTAssertEqual(try LearnJournal(open: dir.path("cli")).asks.map(\.batch), ["initial-scan", "round-1"])
    }

    /// A deleted, foreign, swapped or modified points file: resume refuses with one line naming it and changes nothing.
    func testDamagedStateIsRefusedNamingTheFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let settings = Self.settings(budget: 90)
        let made = dir.path("made")
        _ = try XCTUnwrap(try Self.run(settings, oracle: ModelOracle(Self.model, label: "exact"), dir: made, resume: false))
        let foreign = dir.path("foreign.h5")
        let other = try OraclePoints(parameterNames: ["p0", "p1", "p2"], values: [1, 2, 3, 4, 5, 6])
        try OracleFiles.write(try ModelOracle(Self.model, label: "exact").evaluate(other), points: other, to: foreign,
                              attributes: [("format", OracleScanFile.formatTag), ("batch", "round-1"), ("row_offset", "0")])
        func snapshot(_ d: String) throws -> [String: Data] {
            var out: [String: Data] = [:]
            let e = FileManager.default.enumerator(atPath: d)!
            while let f = e.nextObject() as? String {
                var isDir: ObjCBool = false
                if f != "lock", FileManager.default.fileExists(atPath: d + "/" + f, isDirectory: &isDir), !isDir.boolValue {
                    out[f] = try Data(contentsOf: URL(fileURLWithPath: d + "/" + f))
                }
            }
            return out
        }
        let cases: [(String, (String) throws -> Void, String, String)] = [
            ("deleted", { try FileManager.default.removeItem(atPath: $0 + "/points/000001.h5") }, "points/000001.h5", "missing"),
            ("foreign", { try FileManager.default.copyItem(atPath: foreign, toPath: $0 + "/points/000100.h5") }, "points/000100.h5", "not written by this learn run"),
            ("swapped", { s in
                try FileManager.default.moveItem(atPath: s + "/points/000001.h5", toPath: s + "/x")
                try FileManager.default.moveItem(atPath: s + "/points/000002.h5", toPath: s + "/points/000001.h5")
                try FileManager.default.moveItem(atPath: s + "/x", toPath: s + "/points/000002.h5")
            }, "points/000001.h5", "modified, replaced or swapped"),
            ("replaced", { s in
                try FileManager.default.removeItem(atPath: s + "/points/000003.h5")
                try FileManager.default.copyItem(atPath: foreign, toPath: s + "/points/000003.h5")
            }, "points/000003.h5", "modified, replaced or swapped"),
            ("emulator", { s in
                try FileManager.default.removeItem(atPath: s + "/round_1/emulator.h5")
                try FileManager.default.copyItem(atPath: s + "/round_2/emulator.h5", toPath: s + "/round_1/emulator.h5")
            }, "round_1/emulator.h5", "modified, replaced or swapped"),
        ]
        for (label, damage, file, says) in cases {
            let s = dir.path(label)
            try FileManager.default.copyItem(atPath: made, toPath: s)
            try damage(s)
            let before = try snapshot(s)
            let oracle = CountingOracle(ModelOracle(Self.model, label: "exact"))
            XCTAssertThrowsError(try Self.run(settings, oracle: oracle, dir: s, resume: true), label) {
                let m = userMessage($0)
                XCTAssertTrue(m.hasPrefix(s + "/" + file + ": " + says), "\(label): \(m)")
                XCTAssertFalse(m.contains("\n"), m)
            }
            XCTAssertEqual(oracle.asked.count, 0, label)
            XCTAssertEqual(try snapshot(s), before, "\(label): the state changed")
        }
        // Undamaged, it resumes (and, finished, asks nothing).
        let oracle = CountingOracle(ModelOracle(Self.model, label: "exact"))
        XCTAssertNotNil(try Self.run(settings, oracle: oracle, dir: made, resume: true))
        XCTAssertEqual(oracle.asked.count, 0)
    }

    /// Duplicate points within one verification batch are asked once (the MCMC subsample repeats a
    /// walker's rejected moves); every planned point still gets its true χ².
    func testDuplicatePointsInABatchAreAskedOnce() throws {
        let exact = QuadraticModel(p: 3)
        var o = ScanOptions(profileParameters: ["p0"], tolerances: [1])
        o.points = 9
        o.mcmc = ScanMCMCOptions(chains: 1, walkers: 8, steps: 120, burnIn: 20, seed: 3)
        let scan = try ScanRunner.run(model: exact, options: o)
        let options = VerificationOptions(mcmcSamples: 100_000)
        let plan = VerificationPlan.make(model: exact, scan: scan, scanOptions: o, options: options)
        let planned = plan.thetas.map { $0.map(\.bitPattern) }
        XCTAssertLessThan(Set(planned).count, planned.count, "the plan repeats points (else this test proves nothing)")
        let oracle = CountingOracle(ModelOracle(exact, label: "exact"))
        let v = try Verification.run(model: exact, scan: scan, scanOptions: o, oracle: oracle, options: options)
        XCTAssertEqual(oracle.asked.count, Set(planned).count)
        XCTAssertEqual(Set(oracle.asked), Set(planned))
        XCTAssertEqual(v.points.count, planned.count)
        for p in v.points { XCTAssertEqual(p.trueChi2, exact.value(at: p.theta), accuracy: 1e-9) }

        // In a learn run, a batch's points already stored are not asked again.
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var settings = Self.settings(budget: 100)
        settings.scan.mcmc = ScanMCMCOptions(chains: 1, walkers: 8, steps: 60, burnIn: 10, seed: 3)
        settings.verification.mcmcSamples = 400
        let counting = CountingOracle(ModelOracle(Self.model, label: "exact"))
        _ = try XCTUnwrap(try Self.run(settings, oracle: counting, dir: dir.path("s"), resume: false))
        XCTAssertEqual(counting.asked.count, Set(counting.asked).count)
    }
}
