import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
@testable import PDFEmuReport
import PDFEmuTestSupport

/// An oracle that answers through `base` for its first `calls` calls and then fails (an oracle dying mid-round).
final class FailingAfterOracle: ChiSquareOracle, @unchecked Sendable {
    let base: any ChiSquareOracle
    let calls: Int
    private var made = 0
    private let lock = NSLock()
    init(_ base: any ChiSquareOracle, calls: Int) { self.base = base; self.calls = calls }
    var label: String { base.label }
    var parameterNames: [String]? { base.parameterNames }
    func evaluate(_ points: OraclePoints) throws(OracleError) -> OracleResult {
        lock.lock(); made += 1; let k = made; lock.unlock()
        if k > calls { throw OracleError(.exitStatus, oracle: label, "died (test)") }
        return try base.evaluate(points)
    }
}

final class LearnerTests: XCTestCase {
    /// A small fit config for quick rounds. These tests are about the learner's bookkeeping, so the loss is
    /// pinned to the one they were written with (direct + log1p, (1+Δχ²/10)⁻¹): the default sum of squares
    /// fits the quadratic well enough to certify before the budget, which the budget test must not do.
    static func config(epochs: Int = 30) -> FitConfig {
        var c = FitConfig.defaults
        c.hidden = [16, 16]; c.epochs = epochs; c.batchSize = 64; c.maxMinutes = 0; c.threads = 1
        c.outputStructure = .direct; c.targetTransform = .log1p; c.weightScale = 10; c.weightPower = 1; c.maxDeltaChi2 = nil
        c.sourceText = "{\"test\": \(epochs)}"
        return c
    }

    static func settings(_ model: QuadraticModel, initial: Int = 200, batch: Int = 30, budget: Int = 320, epochs: Int = 30) -> LearnSettings {
        var o = ScanOptions(profileParameters: ["p0", "p1"], tolerances: [1])
        o.points = 11
        return LearnSettings(fit: config(epochs: epochs), oracleSpec: "exact-quadratic", scan: o,
                             initial: .design(model: model, label: "quadratic", count: initial), batch: batch, budget: budget,
                             refitEpochs: 10, chunkSize: 10)
    }

    func testRoundsStoreEveryEvaluationWarmStartAndStopAtTheBudget() throws {
        let model = QuadraticModel(p: 3)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lines = LockedLines()
        let learner = try Learner(settings: Self.settings(model), oracle: ModelOracle(model, label: "exact"),
                                  stateDirectory: dir.path("state"), resume: false, log: lines.append)
        let outcome = try learner.run()
        XCTAssertFalse(outcome.converged)
        XCTAssertTrue(outcome.reason.contains("budget"), outcome.reason)
        XCTAssertGreaterThanOrEqual(outcome.rounds.count, 2)
        XCTAssertTrue(lines.all.contains { $0.hasPrefix("round 2: warm start from") }, lines.all.joined(separator: "\n"))
        let stored = try learner.state.evaluated()
        XCTAssertEqual(stored.result.count, outcome.rounds.last!.evaluations)
        XCTAssertEqual(stored.rowsByBatch["initial"], 200)
        // Round 1's one batch: its verification points (the distinct points of round_1/scan.h5's /verification) and 30 proposals.
        let checks1 = Set(try XCTUnwrap(try Verification.read(learner.state.scanPath(1))).points.map { $0.theta.map(\.bitPattern) })
        XCTAssertEqual(stored.rowsByBatch["round-1"], checks1.count + 30)
        XCTAssertNil(stored.rowsByBatch["verify-1"], "no separate verification batch")
        XCTAssertEqual(try OracleScanFile.read(outcome.pointsPath).points.count, stored.result.count)
        // Stored χ² are the oracle's.
        for i in stride(from: 0, to: stored.result.count, by: 17) {
            XCTAssertEqual(stored.result.chi2[i], model.value(at: stored.points!.point(i)), accuracy: 1e-9)
        }
        XCTAssertNotNil(try Verification.read(outcome.scanPath))
        XCTAssertEqual(lines.all.filter { $0.hasPrefix("round ") && $0.contains("answers certified") }.count, outcome.rounds.count)
        try LearningCurvePlot.write(curveTable: outcome.curvePath, to: outcome.curveSVGPath)
        XCTAssertTrue(try String(contentsOfFile: outcome.curveSVGPath, encoding: .utf8).contains("profile/p0"))

        // The same state refuses another config, and a new run refuses a used directory.
        var other = Self.settings(model, epochs: 31)
        other.budget = 400
        XCTAssertThrowsError(try Learner(settings: other, oracle: ModelOracle(model, label: "exact"), stateDirectory: dir.path("state"), resume: true)) {
            XCTAssertTrue(userMessage($0).contains("another config"), userMessage($0))
        }
        XCTAssertThrowsError(try Learner(settings: Self.settings(model), oracle: ModelOracle(model, label: "exact"), stateDirectory: dir.path("state"), resume: false)) {
            XCTAssertTrue(userMessage($0).contains("is not empty"), userMessage($0))
        }
        XCTAssertThrowsError(try Learner(settings: Self.settings(model, budget: 100), oracle: ModelOracle(model, label: "exact"), stateDirectory: dir.path("s2"), resume: false)) {
            XCTAssertEqual(userMessage($0), "learn.budget: 100 is smaller than the initial design of 200 points")
        }
    }

    /// A model undefined (NaN) where p0 > μ0 + 0.8σ: the upper end of p0 at Δχ² = 1 lies where the oracle gives nothing.
    struct CutModel: ScalarModel {
        func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
        let base: QuadraticModel
        var parameterNames: [String] { base.parameterNames }
        var experimentNames: [String] { [] }
        func cut(_ t: [Double]) -> Bool { t[0] > base.mu[0] + 0.8 * base.sigma(0) }
        func value(at t: [Double]) -> Double { cut(t) ? .nan : base.value(at: t) }
        func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) { let r = base.valueAndGradient(at: t); return (cut(t) ? .nan : r.value, r.gradient) }
        func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
            let r = base.valueGradientHessian(at: t); return (cut(t) ? .nan : r.value, r.gradient, r.hessian)
        }
        func prediction(at t: [Double]) -> Prediction { Prediction(value: value(at: t), spread: 0, perExperiment: []) }
    }

    func testAnswersTheOracleCannotReachStopTheRunWithOneLine() throws {
        let model = QuadraticModel(p: 3)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let learner = try Learner(settings: Self.settings(model, budget: 5000), oracle: ModelOracle(CutModel(base: model), label: "cut"),
                                  stateDirectory: dir.path("state"), resume: false)
        let outcome = try learner.run()
        XCTAssertFalse(outcome.converged)
        // (The emulator, trained without points beyond the cut, extrapolates there: even its minimum can
        // leave the oracle's domain; whichever answer it is, the run stops after 3 rounds, not at the budget.)
        XCTAssertTrue(outcome.reason.hasPrefix("the oracle is undefined at the points of "), outcome.reason)
        XCTAssertTrue(outcome.reason.hasSuffix("in 3 rounds in a row: the answer lies outside where the oracle is defined"), outcome.reason)
        XCTAssertEqual(outcome.rounds.count, 3)
        XCTAssertLessThan(outcome.rounds.last!.evaluations, 5000)
    }

    /// A run stopped by the budget and resumed with a larger one goes on: the last round's proposal (not
    /// asked for the budget) is asked then, as batch `proposal-R`, and the rounds continue; no point is
    /// asked twice and every asked point is stored.
    func testResumeWithALargerBudgetProposesFromTheLastRoundAndGoesOn() throws {
        let model = QuadraticModel(p: 3)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let exact = ModelOracle(model, label: "exact")
        let first = try Learner(settings: Self.settings(model, budget: 280), oracle: exact, stateDirectory: dir.path("state"), resume: false)
        let stopped = try first.run()
        XCTAssertTrue(stopped.reason.contains("budget"), stopped.reason)
        let last = stopped.rounds.last!.round
        let before = try first.state.evaluated()
        XCTAssertEqual(before.result.count, 280)
        XCTAssertNil(before.rowsByBatch["proposal-\(last)"])
        let counting = CountingOracle(exact)
        let lines = LockedLines()
        let resumed = try Learner(settings: Self.settings(model, budget: 340), oracle: counting, stateDirectory: dir.path("state"), resume: true,
                                  log: lines.append)
        let outcome = try resumed.run()
        let after = try resumed.state.evaluated()
        XCTAssertEqual(after.rowsByBatch["proposal-\(last)"], 30, lines.all.joined(separator: "\n"))
        XCTAssertGreaterThan(outcome.rounds.count, stopped.rounds.count)
        XCTAssertTrue(lines.all.contains { $0.hasPrefix("round \(last): +30 points (proposed on resume") }, lines.all.joined(separator: "\n"))
        // Nothing asked twice, nothing stored before asked again, every asked point stored, the budget held.
        let asked = counting.asked
        XCTAssertEqual(Set(asked).count, asked.count)
        let old = Set((0..<before.result.count).map { before.points!.point($0).map(\.bitPattern) })
        XCTAssertTrue(asked.allSatisfy { !old.contains($0) })
        XCTAssertEqual(after.result.count, 280 + asked.count)
        XCTAssertLessThanOrEqual(after.result.count, 340)
    }

    func testOracleFailingMidRoundKeepsWhatWasEvaluatedAndResumes() throws {
        let model = QuadraticModel(p: 3)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let exact = ModelOracle(model, label: "exact")
        // 200 initial points in chunks of 10: the oracle dies on its 8th call.
        let dying = try Learner(settings: Self.settings(model), oracle: FailingAfterOracle(exact, calls: 7),
                                stateDirectory: dir.path("state"), resume: false)
        XCTAssertThrowsError(try dying.run()) {
            XCTAssertTrue(userMessage($0).contains("after 70 of 200 points"), userMessage($0))
            XCTAssertTrue(userMessage($0).contains("fix the oracle and resume"), userMessage($0))
        }
        XCTAssertEqual(try dying.state.evaluated().rowsByBatch["initial"], 70)
        let before = try dying.state.pointFiles()
        let resumed = try Learner(settings: Self.settings(model, budget: 260), oracle: exact, stateDirectory: dir.path("state"), resume: true)
        let outcome = try resumed.run()
        let stored = try resumed.state.evaluated()
        XCTAssertEqual(stored.rowsByBatch["initial"], 200, "the 70 stored rows are not asked again")
        XCTAssertEqual(Array(try resumed.state.pointFiles().prefix(before.count)), before)
        XCTAssertEqual(stored.result.count, outcome.rounds.last!.evaluations)
        // The design is the same as an uninterrupted run's: its points are the design's, in order.
        let design = try DesignSampler.sample(model: model, n: 200, seed: 1)
        XCTAssertEqual(Array(stored.points!.values.prefix(200 * 3)), design.points)
    }
}

/// Lines collected from a `@Sendable` log callback.
final class LockedLines: @unchecked Sendable {
    private var lines: [String] = []
    private let lock = NSLock()
    func append(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}

/// `pdfemu learn` killed with SIGKILL in the middle of a round's oracle batch, then `--resume`d:
/// every evaluation the oracle returned before the kill is kept, and none is asked twice.
final class LearnKillResumeTests: XCTestCase {
    func testSIGKILLMidBatchThenResumeLosesNoEvaluation() throws {
        guard let pdfemu = PDFEmuExecutable.url else { throw XCTSkip("pdfemu not built") }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // Initial points: the example oracle on a small cloud around its minimum.
        var rng = SeededGenerator(seed: 5)
        var values: [Double] = []
        for _ in 0..<150 { values += [0.1 + 0.3 * rng.nextGaussian(), 0.2 + 0.3 * rng.nextGaussian(), 0.3 + 0.3 * rng.nextGaussian()] }
        let points = try OraclePoints(parameterNames: ["a", "b", "c"], values: values)
        let example = try ExampleOracle.command()
        try OracleFiles.write(try CommandOracle(example).evaluate(points), points: points, to: dir.path("initial.h5"))
        let json = """
            {"data": {"files": ["x.h5"]}, "network": {"hidden": [16, 16]},
             "training": {"epochs": 20, "batch_size": 64, "max_minutes": 0, "threads": 1}, "output": "x_emulator.h5"}
            """
        try json.write(toFile: dir.path("config.json"), atomically: true, encoding: .utf8)
        // A slow oracle (0.4 s per call), five points per call.
        let slow = "sleep 0.4; " + example
        let args = ["learn", dir.path("config.json"), "--oracle", slow, "--initial-scan", dir.path("initial.h5"), "--batch", "40",
                    "--chunk", "5", "--budget", "260", "--state", dir.path("state"), "--params", "a,b", "--points", "11", "--refit-epochs", "5"]
        let p = Process()
        p.executableURL = pdfemu
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        FileManager.default.createFile(atPath: dir.path("stderr.txt"), contents: nil)
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.path("stderr.txt")))
        try p.run()
        // Wait until the first round's batch (verification and proposal points) is partly stored (initial, then ≥ 3 chunks).
        let pointsDir = dir.path("state/points")
        func stored() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: pointsDir)) ?? []).filter { $0.hasSuffix(".h5") && !$0.hasPrefix(".") }.sorted() }
        let deadline = Date().addingTimeInterval(240)
        while stored().count < 4 && Date() < deadline && p.isRunning { usleep(20_000) }
        XCTAssertTrue(p.isRunning, "learn ended before it could be killed: " + ((try? String(contentsOfFile: dir.path("stderr.txt"), encoding: .utf8)) ?? ""))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)
        let beforeNames = stored()
        let beforeBytes = try beforeNames.map { try Data(contentsOf: URL(fileURLWithPath: pointsDir + "/" + $0)) }
        let kept = try LearnStateReader.rows(pointsDir)
        XCTAssertGreaterThan(kept["round-1"] ?? 0, 0, "some of the batch was stored before the kill")
        XCTAssertLessThan(kept["round-1"] ?? 0, 40, "the kill came before the batch was complete")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.path("state/pending.h5")))

        let r = try PDFEmuExecutable.run(args + ["--resume"], timeout: 300)
        // The budget ends the run (not converged: exit 1 with one error line).
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("error: not converged"), r.stderr)
        for (name, bytes) in zip(beforeNames, beforeBytes) {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: pointsDir + "/" + name)), bytes, "\(name) changed after resume")
        }
        let after = try LearnStateReader.rows(pointsDir)
        // Round 1's batch: its verification points and 40 proposals, each asked once.
        let checks1 = Set(try XCTUnwrap(try Verification.read(dir.path("state/round_1/scan.h5"))).points.map { $0.theta.map(\.bitPattern) })
        XCTAssertEqual(after["round-1"], checks1.count + 40, "the batch is complete, no row asked twice")
        XCTAssertEqual(after["initial-scan"], 150)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("state/pending.h5")))
    }
}

/// Rows per batch of a state's points directory, read independently of `LearnState`.
enum LearnStateReader {
    static func rows(_ dir: String) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name.hasSuffix(".h5") && !name.hasPrefix(".") {
            let f = try HDF5File(open: dir + "/" + name)
            let n = try f.read("/chi2", as: Double.self).values.count
            out[try f.readStringAttribute("batch"), default: 0] += n
        }
        return out
    }
}
