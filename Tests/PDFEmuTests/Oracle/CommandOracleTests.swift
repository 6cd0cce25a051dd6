import Foundation
import XCTest
@testable import PDFEmuIO
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
import PDFEmuTestSupport

/// `CommandOracle` driving a real external program (pdfemu-oracle-example) and /bin/sh through the protocol.
final class CommandOracleTests: XCTestCase {
    func assertError(_ oracle: CommandOracle, _ points: OraclePoints, kind: OracleError.Kind, mentions: [String],
                     file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try oracle.evaluate(points)
            XCTFail("expected a \(kind) error", file: file, line: line)
        } catch {
            XCTAssertEqual(error.kind, kind, error.description, file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), file: file, line: line)
            XCTAssertTrue(error.description.hasPrefix("oracle '"), error.description, file: file, line: line)
            for m in mentions { XCTAssertTrue(error.description.contains(m), "\(error.description) should mention \(m)", file: file, line: line) }
        }
    }

    func testEvaluatesThroughTheProtocolFilesAndKeepsExperiments() throws {
        let points = try ExampleOracle.points(7)
        let result = try CommandOracle(try ExampleOracle.command()).evaluate(points)
        XCTAssertEqual(result.count, 7)
        XCTAssertEqual(result.experimentNames, ["quad", "valley"])
        XCTAssertEqual(result.undefinedCount, 0)
        for i in 0..<7 {
            let parts = ExampleOracle.parts(points.point(i))
            XCTAssertEqual(result.chi2[i], 100 + parts[0] + parts[1], accuracy: 1e-12 * result.chi2[i])
            for e in 0..<2 { XCTAssertEqual(result.chi2PerExperiment[2 * i + e], parts[e], accuracy: 1e-12 * (1 + parts[e])) }
        }
    }

    func testChunksGiveTheSameResultAndAFailingChunkKeepsTheEarlierOnes() throws {
        let points = try ExampleOracle.points(10)
        let whole = try CommandOracle(try ExampleOracle.command()).evaluate(points)
        var calls: [Int] = []
        let oracle = try CommandOracle(try ExampleOracle.command())
        let chunked = oracle.evaluate(points, chunkSize: 3) { done, _ in calls.append(done) }
        XCTAssertTrue(chunked.isComplete)
        XCTAssertEqual(try chunked.get(), whole)
        XCTAssertEqual(calls, [3, 6, 9, 10])

        // x_0 = -1 + 0.25·i exceeds 5 from i = 25 on: chunks 0..<8, 8..<16, 16..<24 pass; 24..<32 fails.
        let many = try ExampleOracle.points(40)
        let outcome = try CommandOracle(try ExampleOracle.command("fail-above")).evaluate(many, chunkSize: 8)
        XCTAssertFalse(outcome.isComplete)
        XCTAssertEqual(outcome.result.count, 24)
        XCTAssertEqual(outcome.failure?.rows, 24..<32)
        XCTAssertEqual(outcome.failure?.error.kind, .exitStatus)
        XCTAssertTrue(outcome.failure!.description.contains("x0 > 5 is outside the grid"), outcome.failure!.description)
        XCTAssertTrue(outcome.failure!.description.contains("24 evaluated before"), outcome.failure!.description)
        XCTAssertEqual(outcome.evaluatedPoints, many.rows(0..<24))
        let direct = try CommandOracle(try ExampleOracle.command()).evaluate(many.rows(0..<24))
        XCTAssertEqual(outcome.result, direct)
        XCTAssertThrowsError(try outcome.get())
    }

    func testNaNRowsAreMarkedUndefinedWithTheOraclesReasonAndLeftOutOfScans() throws {
        // x_0 = -8 + 1.5·i: rows 0 and 1 (x_0 = -8, -6.5) are undefined.
        let points = try ExampleOracle.points(6, first: -8, step: 1.5)
        let result = try CommandOracle(try ExampleOracle.command()).evaluate(points)
        XCTAssertEqual(result.undefinedCount, 2)
        XCTAssertEqual(result.definedRows, [2, 3, 4, 5])
        XCTAssertFalse(result.isDefined(0))
        XCTAssertTrue(result.undefinedReasons[1]!.contains("outside the parametrisation"), result.undefinedReasons[1]!)
        XCTAssertTrue(result.chi2[0].isNaN && result.chi2PerExperiment[0].isNaN && result.chi2PerExperiment[3].isNaN)
        let scan = result.scanData(points: points)
        XCTAssertEqual(scan.count, 4)
        XCTAssertEqual(scan.droppedRows, 2)
        XCTAssertTrue(scan.chi2.allSatisfy(\.isFinite))
        XCTAssertEqual(scan.point(0), points.point(2))
    }

    func testWrongShapeNamesAndExperimentsAreOneLineErrors() throws {
        let points = try ExampleOracle.points(4)
        assertError(try CommandOracle(try ExampleOracle.command("wrong-shape")), points, kind: .wrongShape,
                    mentions: ["/chi2", "[5]", "expected [4]"])
        assertError(try CommandOracle(try ExampleOracle.command("wrong-names")), points, kind: .wrongNames,
                    mentions: ["/parameter_names c,b,a differ from the input's a,b,c"])
        assertError(try CommandOracle(try ExampleOracle.command("wrong-experiments")), points, kind: .wrongNames,
                    mentions: ["/experiment_names", "3 names", "2 experiments"])
        assertError(try CommandOracle(": {input}; echo not-hdf5 > {output}"), points, kind: .unreadableOutput,
                    mentions: ["output file", "not an HDF5 file"])
    }

    func testFailingCommandsGiveTheirStatusSignalOrMissingOutput() throws {
        let points = try ExampleOracle.points(3)
        assertError(try CommandOracle(try ExampleOracle.command("fail")), points, kind: .exitStatus,
                    mentions: ["exited with status 4", "licence server unreachable"])
        assertError(try CommandOracle(try ExampleOracle.command("crash")), points, kind: .signal,
                    mentions: ["killed by signal \(SIGKILL)", "Killed"])
        assertError(try CommandOracle(try ExampleOracle.command("no-output")), points, kind: .noOutput,
                    mentions: ["wrote no output file"])
        assertError(try CommandOracle("/nonexistent/oracle-program {input} {output}"), points, kind: .exitStatus,
                    mentions: ["status 127", "/nonexistent/oracle-program"])
        assertError(try CommandOracle(": {input} {output}; kill -KILL $$"), points, kind: .signal, mentions: ["killed by signal \(SIGKILL)"])
    }

    func testAHangIsKilledWithItsProcessGroupAtTheTimeout() throws {
        let points = try ExampleOracle.points(2)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pidFile = dir.path("child.pid")
        // The shell starts a background child (same process group) and then hangs in the example program.
        let command = "sleep 300 & echo $! > \(ShellCommand.quote(pidFile)); " + (try ExampleOracle.command("hang"))
        let start = Date()
        assertError(try CommandOracle(command, timeout: 1), points, kind: .timeout, mentions: ["timeout of 1 s", "killed"])
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
        let pid = Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
        // The background child was killed with the group (gone, or a zombie awaiting its new parent).
        var gone = false
        for _ in 0..<100 {
            let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
            if kill(pid, 0) != 0 || stat.map({ $0.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? false }) == true {
                gone = true; break
            }
            usleep(20_000)
        }
        XCTAssertTrue(gone, "background child \(pid) still running after the timeout")
    }

    func testStopRequestKillsTheCommand() throws {
        let flag = StopFlag()
        let oracle = try CommandOracle(try ExampleOracle.command("hang"), timeout: 60, shouldStop: { flag.isSet })
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { flag.set() }
        let start = Date()
        assertError(oracle, try ExampleOracle.points(2), kind: .interrupted, mentions: ["interrupted"])
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
    }

    func testTemplatesAreCheckedAndPathsQuoted() throws {
        for (template, fragment) in [("./fit {input}", "{output}"), ("./fit {output}", "{input}"), ("   ", "empty"),
                                     ("./fit '{input}' {output}", "without quotes"), ("./fit {input} \"{output}\"", "without quotes")] {
            XCTAssertThrowsError(try CommandOracle(template)) { e in
                XCTAssertEqual((e as! OracleError).kind, .spec)
                XCTAssertTrue("\(e)".contains(fragment), "\(e)")
            }
        }
        XCTAssertThrowsError(try CommandOracle("x {input} {output}", timeout: 0))
        let oracle = try CommandOracle("prog {input} > {output}")
        XCTAssertEqual(oracle.commandLine(input: "/tmp/a b/in.h5", output: "/tmp/it's.h5"),
                       "prog '/tmp/a b/in.h5' > '/tmp/it'\\''s.h5'")
        // A TMPDIR with a space and a quote still works: the paths are quoted for the shell.
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let odd = dir.path("tmp dir's")
        try FileManager.default.createDirectory(atPath: odd, withIntermediateDirectories: false)
        let saved = ProcessInfo.processInfo.environment["TMPDIR"]
        setenv("TMPDIR", odd, 1)
        defer { if let saved { setenv("TMPDIR", saved, 1) } else { unsetenv("TMPDIR") } }
        let r = try CommandOracle(try ExampleOracle.command()).evaluate(try ExampleOracle.points(2))
        XCTAssertEqual(r.count, 2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: odd), [], "the private directory is removed")
    }
}

/// A flag set from another thread.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
