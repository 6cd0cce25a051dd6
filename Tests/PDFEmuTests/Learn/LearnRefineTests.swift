import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
@testable import PDFEmuReport
import PDFEmuTestSupport

/// `learn` ends with refine (issue 18, item 5): the final scan's answers solved on the oracle, every
/// true point in learn's exactly-once store and within its budget, the curve continued, and a kill
/// during refine resumed without asking a point twice.
final class LearnRefineTests: XCTestCase {
    /// A quadratic truth in 3 parameters, 150 design points, rounds of 30, most of the budget kept for refine.
    static func settings(budget: Int = 1200, reserve: Int = 1000) -> LearnSettings {
        var c = FitConfig.defaults
        c.hidden = [16, 16]; c.epochs = 80; c.batchSize = 32; c.maxMinutes = 0; c.threads = 1; c.members = 2
        c.sourceText = "{\"learn-refine\": 1}"
        var o = ScanOptions(profileParameters: ["p0", "p1"], tolerances: [1])
        o.points = 9
        return LearnSettings(fit: c, oracleSpec: "exact-quadratic", scan: o, verification: VerificationOptions(mcmcSamples: 0),
                             initial: .design(model: LearnExactlyOnceTests.model, label: "quadratic", count: 150), batch: 30,
                             budget: budget, refitEpochs: 20, chunkSize: 16,
                             refine: LearnRefineSettings(options: RefineOptions(maxIterations: 60), reserve: reserve))
    }

    static func record(_ dir: String, _ outcome: LearnOutcome) throws -> LearnRunRecord {
        let state = try LearnState(directory: dir, identity: try settings().identity, resume: true)
        let e = try state.evaluated()
        return LearnRunRecord(points: e.points!.values.map(\.bitPattern), chi2: e.result.chi2.map(\.bitPattern), rowsByBatch: e.rowsByBatch,
                              rounds: outcome.rounds.map { [$0.round, $0.evaluations, $0.certified, $0.answers] }, reason: outcome.reason)
    }

    /// Runs to the end, or until the `kill`-th journal step after refine's first batch is recorded.
    static func run(_ settings: LearnSettings, oracle: any ChiSquareOracle, dir: String, resume: Bool, killInRefine kill: Int? = nil) throws -> LearnOutcome? {
        let learner = try Learner(settings: settings, oracle: oracle, stateDirectory: dir, resume: resume)
        let journal = learner.state.journal
        let counter = LearnExactlyOnceTests.Counter()
        journal.hook = { k, name in
            guard let kill, journal.batches.keys.contains(where: { $0.hasPrefix("refine-") }) else { return }
            counter.set(counter.value + 1)
            if counter.value == kill { throw InjectedKill(step: k, name: name) }
        }
        do { return try learner.run() } catch is InjectedKill { return nil }
    }

    func testLearnEndsWithRefineStoringEveryPointOnceWithinTheBudget() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let settings = Self.settings()
        let oracle = CountingOracle(ModelOracle(LearnExactlyOnceTests.model, label: "exact"))
        let outcome = try XCTUnwrap(try Self.run(settings, oracle: oracle, dir: dir.path("s"), resume: false))
        let refined = try XCTUnwrap(outcome.refine, outcome.refineNote ?? "no refine")
        // The rounds kept the reserve; refine's points are learn's: stored once, in the budget, in all_points.h5.
        XCTAssertLessThanOrEqual(outcome.rounds.last!.evaluations, settings.roundsBudget)
        XCTAssertEqual(oracle.asked.count, Set(oracle.asked).count, "a point was asked twice")
        XCTAssertLessThanOrEqual(oracle.asked.count, settings.budget)
        XCTAssertGreaterThan(refined.evaluations, 0)
        XCTAssertEqual(outcome.rounds.last!.evaluations + refined.evaluations, oracle.asked.count)
        XCTAssertEqual(try OracleScanFile.read(outcome.pointsPath).points.count, oracle.asked.count)
        let curve = try String(contentsOfFile: outcome.curvePath, encoding: .utf8).split(separator: "\n")
        let fig = try LearningCurvePlot.figure(curveTable: outcome.curvePath)
        let state = try LearnState(directory: dir.path("s"), identity: try settings.identity, resume: true)
        let refineBatches = state.journal.batches.values.filter { $0.purpose == "refine" }
        XCTAssertEqual(refineBatches.count, refined.batches)
        XCTAssertEqual(refineBatches.reduce(0) { $0 + $1.count }, refined.evaluations)
        // The truth is the model: the refined minimum is its minimum, and the answers are certified.
        let m = try XCTUnwrap(refined.answers.first { $0.kind == "minimum" })
        XCTAssertEqual(m.status, .certified, m.note)
        XCTAssertEqual(m.trueChi2, LearnExactlyOnceTests.model.value(at: LearnExactlyOnceTests.model.mu), accuracy: 0.01)
        XCTAssertEqual(refined.certifiedCount, refined.answers.count, refined.answers.map { "\($0.name): \($0.status.rawValue) \($0.note)" }.joined(separator: "; "))
        // The refined scan is written with /refine, and the curve continues through refine.
        let path = try XCTUnwrap(outcome.refinedScanPath)
        XCTAssertEqual(try RefineResult.read(path)?.answers, refined.answers)
        let refineRows = curve.filter { $0.hasPrefix("refine\t") }
        XCTAssertGreaterThanOrEqual(refineRows.count, refined.answers.count)
        let lastRoundEvals = outcome.rounds.last!.evaluations
        XCTAssertTrue(refineRows.allSatisfy { Int($0.split(separator: "\t")[1])! > lastRoundEvals })
        XCTAssertEqual(refineRows.compactMap { Int($0.split(separator: "\t")[1]) }.max(), oracle.asked.count)
        XCTAssertTrue(fig.referenceLines.contains { !$0.horizontal && $0.label == "refine" })
    }

    /// Killed at steps during refine, then resumed: no point asked twice, the same points, χ² and refined answers.
    func testKillDuringRefineThenResumeAsksNothingTwice() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let settings = Self.settings()
        let refOracle = CountingOracle(ModelOracle(LearnExactlyOnceTests.model, label: "exact"))
        let reference = try XCTUnwrap(try Self.run(settings, oracle: refOracle, dir: dir.path("ref"), resume: false))
        let refRecord = try Self.record(dir.path("ref"), reference)
        let refineSteps = 4 * (reference.refine?.batches ?? 0)   // batch, ask, stored, answer per batch (one chunk or more)
        XCTAssertGreaterThan(refineSteps, 0)
        for kill in Set([1, 3, 4, 7, refineSteps / 2, refineSteps - 1]).sorted() where kill >= 1 {
            let state = dir.path("kill-\(kill)")
            let oracle = CountingOracle(ModelOracle(LearnExactlyOnceTests.model, label: "exact"))
            XCTAssertNil(try Self.run(settings, oracle: oracle, dir: state, resume: false, killInRefine: kill), "kill \(kill) did not happen")
            let done = try XCTUnwrap(try Self.run(settings, oracle: oracle, dir: state, resume: true))
            XCTAssertEqual(oracle.asked.count, Set(oracle.asked).count, "kill at refine step \(kill): a point was asked twice")
            XCTAssertEqual(Set(oracle.asked), Set(refOracle.asked), "kill \(kill)")
            XCTAssertTrue(try Self.record(state, done) == refRecord, "kill \(kill): the stored points, χ² or rounds differ from the uninterrupted run's")
            XCTAssertEqual(done.refine?.answers, reference.refine?.answers, "kill \(kill)")
            let (d, r) = (try XCTUnwrap(done.refine), try XCTUnwrap(reference.refine))
            XCTAssertEqual(d.evaluations + d.reused, r.evaluations + r.reused, "kill \(kill)")
            if kill >= 4 { XCTAssertGreaterThan(d.reused, r.reused, "kill \(kill): the resumed refine takes the stored answers") }
        }
    }

    /// A refine budget too small for its first iterations: answers without an accepted point (NaN) do
    /// not make the phase rerun the refiner (or write curve rows) again and again; the budget holds.
    func testSmallRefineBudgetEndsTheCheckpointsAndHoldsTheBudget() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var settings = Self.settings(budget: 400, reserve: 10)
        settings.refine!.options.maxIterations = 100
        let oracle = CountingOracle(ModelOracle(LearnExactlyOnceTests.model, label: "exact"))
        let outcome = try XCTUnwrap(try Self.run(settings, oracle: oracle, dir: dir.path("s"), resume: false))
        let refined = try XCTUnwrap(outcome.refine)
        XCTAssertLessThanOrEqual(oracle.asked.count, settings.budget)
        XCTAssertTrue(refined.answers.contains { $0.status != .certified && $0.note.contains("budget") })
        let rows = try String(contentsOfFile: outcome.curvePath, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("refine\t") }
        let counts = rows.map { String($0.split(separator: "\t")[1]) }
        // One row set per checkpoint whose answers changed: no checkpoint repeated.
        var sets: [[Substring]] = []
        for k in stride(from: 0, to: rows.count, by: refined.answers.count) { sets.append(Array(rows[k..<min(rows.count, k + refined.answers.count)])) }
        for (a, b) in zip(sets, sets.dropFirst()) { XCTAssertNotEqual(a, b, "a checkpoint was written twice: \(counts)") }
        XCTAssertEqual(sets.count, 1, "the answers do not change once the budget stops refine")
    }

    /// The reserve must leave the rounds the initial design: one line naming the setting.
    func testReserveAboveTheRoundsBudgetIsRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        XCTAssertThrowsError(try Learner(settings: Self.settings(budget: 200, reserve: 100), oracle: ModelOracle(LearnExactlyOnceTests.model, label: "exact"),
                                         stateDirectory: dir.path("s"), resume: false)) {
            XCTAssertEqual(($0 as? SettingError)?.setting, .learnRefineBudget, "\($0)")
        }
    }
}
