import Foundation
import XCTest
@testable import PDFEmu

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
    /// A small fit config for quick rounds.
    static func config(epochs: Int = 30) -> FitConfig {
        var c = FitConfig.defaults
        c.hidden = [16, 16]; c.epochs = epochs; c.batchSize = 64; c.maxMinutes = 0; c.threads = 1
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
        XCTAssertEqual(stored.rowsByBatch["round-1"], 30)
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
            XCTAssertEqual(userMessage($0), "--budget 100 is smaller than the initial design (--initial 200)")
        }
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
            XCTAssertTrue(userMessage($0).contains("--resume"), userMessage($0))
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
