import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuLearn
import PDFEmuTestSupport

/// `pdfemu learn` asks each round's true points as ONE oracle call (one array job on a batch system): the
/// verification points of the round's answers together with the points proposed from the same emulator;
/// only a round whose verification could end the run asks it alone (then its proposals if it did not).
final class LearnOneBatchTests: XCTestCase {
    func testEachRoundAsksItsVerificationAndProposalsInOneOracleCall() throws {
        guard let pdfemu = PDFEmuExecutable.url else { throw XCTSkip("pdfemu not built") }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var rng = SeededGenerator(seed: 5)
        var values: [Double] = []
        for _ in 0..<150 { values += [0.1 + 0.3 * rng.nextGaussian(), 0.2 + 0.3 * rng.nextGaussian(), 0.3 + 0.3 * rng.nextGaussian()] }
        let points = try OraclePoints(parameterNames: ["a", "b", "c"], values: values)
        let example = try ExampleOracle.command()
        try OracleFiles.write(try CommandOracle(example).evaluate(points), points: points, to: dir.path("initial.h5"))
        try """
            {"data": {"files": ["x.h5"]}, "network": {"hidden": [16, 16]},
             "training": {"epochs": 20, "batch_size": 64, "max_minutes": 0, "threads": 1}, "output": "x_emulator.h5"}
            """.write(toFile: dir.path("config.json"), atomically: true, encoding: .utf8)
        // The counting oracle command: one line per call, then the example oracle.
        let calls = dir.path("calls.txt")
        let counting = "echo call >> " + ShellCommand.quote(calls) + "; " + example
        let r = try PDFEmuExecutable.run(["learn", dir.path("config.json"), "--oracle", counting, "--initial-scan", dir.path("initial.h5"),
                                          "--batch", "20", "--budget", "250", "--state", dir.path("state"), "--params", "a,b",
                                          "--points", "11", "--refit-epochs", "5", "--skip-refine"], timeout: 300)
        XCTAssertTrue(r.status == 0 || r.status == 1, r.stderr)
        let rounds = try String(contentsOfFile: dir.path("state/rounds.tsv"), encoding: .utf8).split(separator: "\n").count - 1
        XCTAssertGreaterThanOrEqual(rounds, 3, r.stderr)
        let counted = exampleLog(calls).count
        let journal = try LearnJournal(open: dir.path("state"))
        // The initial scan's record is an ask the oracle never sees (its points are read from the file).
        XCTAssertEqual(counted, journal.asks.filter { $0.batch != "initial-scan" }.count, "one journal ask per oracle call")
        XCTAssertFalse(journal.batches.keys.contains { $0.hasPrefix("verify-") }, "no separate verification batch")
        var merged = 0, after = 0
        for round in 1...rounds {
            let asks = journal.asks.filter { $0.batch == "round-\(round)" }, late = journal.asks.filter { $0.batch == "proposal-\(round)" }
            XCTAssertLessThanOrEqual(asks.count, 1, "round \(round) asked its batch in \(asks.count) calls")
            XCTAssertLessThanOrEqual(late.count, 1, "round \(round) asked its late proposal in \(late.count) calls")
            guard let ask = asks.first else { XCTAssertEqual(round, rounds, "only the last round may have nothing to ask"); continue }
            let checks = Set(try XCTUnwrap(try Verification.read(dir.path("state/round_\(round)/scan.h5"))).points.map { $0.theta.map(\.bitPattern) })
            if journal.batches["round-\(round)"]?.purpose == "round" {
                // One call: the round's verification points (those not evaluated before) and its 20 proposals.
                merged += 1
                XCTAssertTrue(late.isEmpty, "round \(round)")
                XCTAssertGreaterThan(ask.hi - ask.lo, 20, "round \(round): verification and proposals")
                XCTAssertLessThanOrEqual(ask.hi - ask.lo, checks.count + 20, "round \(round)")
            } else {
                // A round whose verification could end the run asks it alone, and its proposals only if it did not.
                XCTAssertEqual(journal.batches["round-\(round)"]?.purpose, "verification", "round \(round)")
                XCTAssertLessThanOrEqual(ask.hi - ask.lo, checks.count, "round \(round)")
                if !late.isEmpty { after += 1; XCTAssertLessThan(round, rounds, "the last round asks no proposal") }
            }
        }
        XCTAssertGreaterThanOrEqual(merged, 2, "rounds asking verification and proposals in one call")
        XCTAssertEqual(counted, journal.asks.filter { $0.batch.hasPrefix("round-") }.count + after, "one oracle call per round, two only where the verification could have ended the run")
    }
}
