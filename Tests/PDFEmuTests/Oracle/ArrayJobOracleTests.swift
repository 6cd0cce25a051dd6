import Foundation
import XCTest
@testable import PDFEmuIO
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
import PDFEmuTestSupport

/// `ArrayJobOracle` with the local scheduler: each task really runs `pdfemu chi2 --shard k/N` with the
/// example oracle program; the batch directory, shard checks, resubmission and retries. (The same oracle
/// against a real Slurm: `make cluster-test`.)
final class ArrayJobOracleTests: XCTestCase {
    func makeOracle(_ dir: TemporaryDirectory, inner: String? = nil, tasks: Int = 3, retries: Int = 1,
                    lines: LineBox = LineBox()) throws -> ArrayJobOracle {
        guard let exe = PDFEmuExecutable.url?.path else { XCTFail("pdfemu not built"); throw CocoaError(.fileNoSuchFile) }
        let task = "cd \(ShellCommand.quote(packageRoot.path)) && \(ShellCommand.quote(exe)) chi2 --oracle {oracle} --input {input} --shard {shard} --output {output} --quiet"
        let settings = ArrayJobSettings(tasks: tasks, workDirectory: dir.path("work"), taskCommand: task,
                                        innerOracle: try inner ?? ExampleOracle.command(), runID: "test-run", maxRetries: retries)
        return try ArrayJobOracle(settings: settings, scheduler: LocalScheduler(), log: { lines.append($0) })
    }

    final class LineBox: @unchecked Sendable {
        private let lock = NSLock()
        private var _lines: [String] = []
        var lines: [String] { lock.lock(); defer { lock.unlock() }; return _lines }
        func append(_ s: String) { lock.lock(); _lines.append(s); lock.unlock() }
        func count(_ text: String) -> Int { lines.filter { $0.contains(text) }.count }
    }

    func testArrayListAndOnePassPlaceholders() {
        XCTAssertEqual(SlurmScheduler.arrayList([7, 0, 1, 2, 5, 8]), "0-2,5,7-8")
        XCTAssertEqual(SlurmScheduler.arrayList([3]), "3")
        // The oracle's own {input}/{output} survive inside {oracle}.
        XCTAssertEqual(ArrayJobOracle.fill("run {oracle} {input} {shard}", ["{oracle}": "'x {input} {output}'", "{input}": "'p.h5'", "{shard}": "1/4"]),
                       "run 'x {input} {output}' 'p.h5' 1/4")
    }

    func testShardsMergeToTheInProcessResultAndTheBatchIsReused() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let points = try ExampleOracle.points(10)
        let lines = LineBox()
        let oracle = try makeOracle(dir, lines: lines)
        let direct = try CommandOracle(try ExampleOracle.command()).evaluate(points)
        XCTAssertEqual(try oracle.evaluate(points), direct)
        let batch = oracle.batchDirectory(points)
        for k in 0..<3 { XCTAssertTrue(FileManager.default.fileExists(atPath: batch + "/shard_\(k).h5")) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: batch + "/result.h5"))
        XCTAssertEqual(lines.count("submitted array job"), 1)
        // The same points again: the stored result, nothing submitted.
        XCTAssertEqual(try oracle.evaluate(points), direct)
        XCTAssertEqual(lines.count("submitted array job"), 1)
        XCTAssertEqual(oracle.record.timings.last?.submissions, 0)
        // Other points get another batch directory.
        XCTAssertNotEqual(oracle.batchDirectory(try ExampleOracle.points(10, first: 0)), batch)
    }

    func testDamagedForeignAndMissingShardsAloneAreSubmittedAgain() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let points = try ExampleOracle.points(9)
        let lines = LineBox()
        let oracle = try makeOracle(dir, lines: lines)
        let first = try oracle.evaluate(points)
        let batch = oracle.batchDirectory(points)
        // A foreign shard: shard 2/3 of another batch (other points, same run).
        let other = try ExampleOracle.points(9, first: 2)
        _ = try oracle.evaluate(other)
        let fm = FileManager.default
        try fm.removeItem(atPath: batch + "/result.h5")
        try fm.removeItem(atPath: batch + "/shard_2.h5")
        try fm.copyItem(atPath: oracle.batchDirectory(other) + "/shard_2.h5", toPath: batch + "/shard_2.h5")
        let damaged = try Data(contentsOf: URL(fileURLWithPath: batch + "/shard_1.h5")).prefix(500)
        try damaged.write(to: URL(fileURLWithPath: batch + "/shard_1.h5"))
        let shard0 = try fm.attributesOfItem(atPath: batch + "/shard_0.h5")[.modificationDate] as? Date
        XCTAssertEqual(try oracle.evaluate(points), first)
        XCTAssertEqual(lines.count("shard 1/3 refused"), 1)
        XCTAssertEqual(lines.count("shard 2/3 refused"), 1, lines.lines.joined(separator: "\n"))
        XCTAssertTrue(lines.lines.contains { $0.contains("tasks 1-2 of 3") }, lines.lines.joined(separator: "\n"))
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: batch + "/rejected").count, 2)
        XCTAssertEqual(try fm.attributesOfItem(atPath: batch + "/shard_0.h5")[.modificationDate] as? Date, shard0, "shard 0 was evaluated again")
    }

    func testAFailingTaskIsRetriedThenOneErrorLine() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let points = try ExampleOracle.points(4)
        let lines = LineBox()
        let oracle = try makeOracle(dir, inner: "sh -c 'echo broken fitter >&2; exit 3' {input} {output}", tasks: 2, retries: 1, lines: lines)
        do {
            _ = try oracle.evaluate(points)
            XCTFail("expected an error")
        } catch {
            XCTAssertFalse(error.description.contains("\n"))
            XCTAssertTrue(error.description.contains("still missing after 2 submissions"), error.description)
            XCTAssertTrue(error.description.contains("broken fitter"), error.description)
            XCTAssertTrue(error.description.contains("run again"), error.description)
            // How the last task of the shard ended, in the scheduler's words (Slurm: TIMEOUT, CANCELLED, …).
            XCTAssertTrue(error.description.contains("ended FAILED (exit status "), error.description)
            // … and the log of that last task (each shard ran twice: not the first array's log)
            XCTAssertFalse(error.description.contains("logs/local-1_"), error.description)
        }
        XCTAssertTrue(lines.lines.contains { $0.contains("did not land (task local-") && $0.contains("ended FAILED (exit status ") },
                      lines.lines.joined(separator: "\n"))
        // Each shard is submitted retries + 1 = 2 times; how the submissions group into arrays depends on when
        // the tasks end (one array of both, or one each), so count per shard from jobs.tsv.
        var perShard: [Int: Int] = [:]
        let jobs = try String(contentsOfFile: oracle.batchDirectory(points) + "/jobs.tsv", encoding: .utf8)
        for line in jobs.split(separator: "\n") {
            for part in line.split(separator: "\t")[1].split(separator: ",") {
                let ends = part.split(separator: "-").compactMap { Int($0) }
                for k in ends[0]...(ends.last ?? ends[0]) { perShard[k, default: 0] += 1 }
            }
        }
        XCTAssertEqual(perShard, [0: 2, 1: 2], jobs)
        XCTAssertGreaterThanOrEqual(lines.count("submitted array job"), 2)
        // The batch's points stay for the next run.
        XCTAssertEqual(try OraclePoints.read(oracle.batchDirectory(points) + "/points.h5"), points)
    }

    func testSettingsAreChecked() {
        for (tasks, retries, command) in [(0, 1, "{input} {shard} {output}"), (2, -1, "{input} {shard} {output}"), (2, 1, "{input} {output}")] {
            XCTAssertThrowsError(try ArrayJobOracle(settings: ArrayJobSettings(tasks: tasks, workDirectory: "/tmp", taskCommand: command,
                                                                              innerOracle: "x", runID: "r", maxRetries: retries),
                                                    scheduler: LocalScheduler()))
        }
    }
}
