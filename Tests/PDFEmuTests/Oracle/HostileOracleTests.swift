import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
import PDFEmuTestSupport

/// Oracles that misbehave on purpose (issue 17, items 2, 7 and 8): a FIFO for an output, signals while
/// one runs, stray bytes on its stderr, names its readers refuse, negative χ², repeated points.
final class HostileOracleTests: XCTestCase {
    var dir: TemporaryDirectory!
    override func setUpWithError() throws { dir = try TemporaryDirectory() }
    override func tearDown() { dir.remove() }

    /// Five points of a, b, c as an oracle input file.
    func pointsFile() throws -> String {
        let path = dir.path("points.h5")
        try OracleFiles.writeInput(try ExampleOracle.points(5), to: path)
        return path
    }

    /// A shell script `name` with `body`, executable.
    func script(_ name: String, _ body: String) throws -> String {
        let path = dir.path(name)
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    /// The entries of `path` (a directory), or [] if it does not exist.
    func entries(_ path: String) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }

    /// A small learning setup: 150 evaluated points of the example oracle and a tiny fit config.
    func learnSetup() throws -> (config: String, initial: String) {
        var rng = SeededGenerator(seed: 5)
        var values: [Double] = []
        for _ in 0..<150 { values += [0.1 + 0.3 * rng.nextGaussian(), 0.2 + 0.3 * rng.nextGaussian(), 0.3 + 0.3 * rng.nextGaussian()] }
        let points = try OraclePoints(parameterNames: ["a", "b", "c"], values: values)
        try OracleFiles.write(try CommandOracle(try ExampleOracle.command()).evaluate(points), points: points, to: dir.path("initial.h5"))
        let json = """
            {"data": {"files": ["x.h5"]}, "network": {"hidden": [8, 8]},
             "training": {"epochs": 5, "batch_size": 64, "max_minutes": 0, "threads": 1}, "output": "x_emulator.h5"}
            """
        try json.write(toFile: dir.path("config.json"), atomically: true, encoding: .utf8)
        return (dir.path("config.json"), dir.path("initial.h5"))
    }

    // MARK: item 2: an output that is a FIFO

    /// An oracle that makes its output path a FIFO and exits 0: one error line, promptly, not a hang
    /// (today `chi2 --timeout 5` blocks for ever opening the FIFO); its temporary directory is removed.
    func testFIFOOutputGivesOneLineNotAHang() throws {
        let input = try pointsFile(), output = dir.path("out.h5"), tmp = dir.path("tmp")
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let fifo = try script("fifo.sh", "mkfifo \"$2\"; exit 0")
        let start = Date()
        let r = try PDFEmuExecutable.run(["chi2", "--oracle", "\(fifo) {input} {output}", "--input", input, "--output", output,
                                          "--timeout", "5"], environment: ["TMPDIR": tmp], timeout: 30)
        XCTAssertFalse(r.timedOut, "chi2 hung on a FIFO output")
        XCTAssertLessThan(Date().timeIntervalSince(start), 15)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("is a FIFO, not a regular file"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        XCTAssertEqual(entries(tmp), [], "the oracle's temporary directory is removed")
    }

    /// The same in `learn --oracle-timeout 5`: its first verification meets the FIFO.
    func testLearnWithAFIFOOracleGivesOneLineNotAHang() throws {
        let (config, initial) = try learnSetup()
        let tmp = dir.path("tmp")
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let r = try PDFEmuExecutable.run(["learn", config, "--oracle", "test -f {input} && mkfifo {output}", "--initial-scan", initial,
                                          "--batch", "20", "--budget", "400", "--state", dir.path("state"), "--params", "a",
                                          "--points", "5", "--refit-epochs", "2", "--oracle-timeout", "5"],
                                         environment: ["TMPDIR": tmp], timeout: 120)
        XCTAssertFalse(r.timedOut, "learn hung on a FIFO output")
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("is a FIFO, not a regular file"), r.stderr)
        XCTAssertEqual(entries(tmp), [], "the oracle's temporary directory is removed")
    }

    // MARK: item 7: signals

    /// Starts pdfemu with `arguments` (TMPDIR = `tmp`), waits for the oracle to write its process id to
    /// `pidFile`, sends `sig`, and returns the exit status, stderr and the oracle's process group id.
    func interrupt(_ arguments: [String], tmp: String, pidFile: String, with sig: Int32,
                   file: StaticString = #filePath, line: UInt = #line) throws -> (status: Int32, stderr: String, group: pid_t) {
        let p = Process()
        p.executableURL = try XCTUnwrap(PDFEmuExecutable.url)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["TMPDIR"] = tmp
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        let errPath = tmp + ".stderr"
        FileManager.default.createFile(atPath: errPath, contents: nil)
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try p.run()
        let deadline = Date().addingTimeInterval(90)
        var group: pid_t = 0
        while Date() < deadline && p.isRunning {
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let g = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                group = g; break
            }
            usleep(20_000)
        }
        XCTAssertGreaterThan(group, 0, "the oracle never started", file: file, line: line)
        kill(p.processIdentifier, sig)
        let stopBy = Date().addingTimeInterval(20)
        while p.isRunning && Date() < stopBy { usleep(20_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL); XCTFail("pdfemu did not stop on signal \(sig)", file: file, line: line) }
        p.waitUntilExit()
        return (p.terminationStatus, (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "", group)
    }

    /// True while any process of group `g` is alive.
    func groupAlive(_ g: pid_t) -> Bool { kill(-g, 0) == 0 }

    /// SIGINT, SIGTERM and SIGHUP while `chi2`'s oracle runs: the oracle's process group is killed, its
    /// temporary directory removed, one line, exit 130/143/129 (today SIGHUP kills pdfemu and leaves both).
    func testSignalsStopChi2sOracleGroupAndRemoveItsDirectory() throws {
        let input = try pointsFile()
        for (sig, status) in [(SIGHUP, Int32(129)), (SIGTERM, 143), (SIGINT, 130)] {
            let tmp = dir.path("tmp\(sig)"), pid = dir.path("pid\(sig)")
            try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
            let slow = try script("slow\(sig).sh", "echo $$ > '\(pid)'; sleep 60; sleep 60")
            let r = try interrupt(["chi2", "--oracle", "\(slow) {input} {output}", "--input", input, "--output", dir.path("o.h5")],
                                  tmp: tmp, pidFile: pid, with: sig)
            XCTAssertEqual(r.status, status, "signal \(sig): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("error: "), r.stderr)
            usleep(200_000)
            XCTAssertFalse(groupAlive(r.group), "signal \(sig): the oracle's process group is still running")
            XCTAssertEqual(entries(tmp), [], "signal \(sig): the oracle's temporary directory is left")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("o.h5")))
        }
    }

    /// `learn` (SIGTERM, SIGHUP) and `scan --verify` (SIGINT) the same: today learn dies silently and
    /// leaves the oracle's group running and its directory behind.
    func testSignalsStopLearnAndScanVerifyOracles() throws {
        let (config, initial) = try learnSetup()
        for (sig, status) in [(SIGTERM, Int32(143)), (SIGHUP, 129)] {
            let tmp = dir.path("ltmp\(sig)"), pid = dir.path("lpid\(sig)")
            try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
            let slow = try script("lslow\(sig).sh", "echo $$ > '\(pid)'; sleep 60; sleep 60")
            let r = try interrupt(["learn", config, "--oracle", "\(slow) {input} {output}", "--initial-scan", initial, "--batch", "20",
                                   "--budget", "400", "--state", dir.path("state\(sig)"), "--params", "a", "--points", "5",
                                   "--refit-epochs", "2"], tmp: tmp, pidFile: pid, with: sig)
            XCTAssertEqual(r.status, status, "learn, signal \(sig): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            usleep(200_000)
            XCTAssertFalse(groupAlive(r.group), "learn, signal \(sig): the oracle's process group is still running")
            XCTAssertEqual(entries(tmp), [], "learn, signal \(sig): the oracle's temporary directory is left")
        }
        let tmp = dir.path("stmp"), pid = dir.path("spid")
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let slow = try script("sslow.sh", "echo $$ > '\(pid)'; sleep 60; sleep 60")
        let emulator = packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path
        let r = try interrupt(["scan", "--emulator", emulator, "--params", "Cuv", "--points", "5", "--tolerance", "1",
                               "--verify", "\(slow) {input} {output}"], tmp: tmp, pidFile: pid, with: SIGINT)
        XCTAssertEqual(r.status, 130, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        usleep(200_000)
        XCTAssertFalse(groupAlive(r.group), "scan --verify: the oracle's process group is still running")
        XCTAssertEqual(entries(tmp), [], "scan --verify: the oracle's temporary directory is left")
    }

    // MARK: item 8: stray bytes and misleading success

    /// An oracle's last stderr line with ESC, BEL, NUL and a carriage return is quoted escaped, on one line.
    func testControlCharactersInAnOraclesStderrAreEscaped() throws {
        let input = try pointsFile(), output = dir.path("out.h5")
        let noisy = try script("noisy.sh", "printf 'first\\n\\033[31mred\\a bell \\000nul\\n' >&2; exit 3")
        let r = try PDFEmuExecutable.run(["chi2", "--oracle", "\(noisy) {input} {output}", "--input", input, "--output", output])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertFalse(r.stderr.dropLast().unicodeScalars.contains { $0.properties.generalCategory == .control },
                       "raw control characters in: \(r.stderr.debugDescription)")
        XCTAssertTrue(r.stderr.contains("\\e[31mred\\x07 bell \\0nul"), r.stderr.debugDescription)
    }

    /// An oracle whose output is `prepared` (copied to {output}).
    func copying(_ prepared: String) -> String { "cp \(ShellCommand.quote(prepared)) {output} # {input}" }

    /// Writes an oracle output for the 5 points with `chi2` and experiments `names` (per-experiment χ²
    /// `perExperiment`, or 1 each).
    func preparedOutput(_ name: String, chi2: [Double], names: [String], perExperiment: [Double]? = nil) throws -> String {
        let path = dir.path(name)
        let f = try HDF5File(create: path)
        try f.write("/chi2", chi2, shape: [chi2.count])
        if !names.isEmpty {
            try f.write("/chi2_per_experiment", perExperiment ?? Array(repeating: 1, count: chi2.count * names.count), shape: [chi2.count, names.count])
            try f.writeStrings("/experiment_names", names)
        }
        try f.flush()
        return path
    }

    /// Experiment names an oracle returns are checked as the scan readers check them: "a/b", "", 300
    /// characters, a control character: one line naming /experiment_names, nothing written (today chi2
    /// writes a file its own readers refuse).
    func testExperimentNamesAreCheckedAsItsReadersDo() throws {
        let input = try pointsFile()
        for (k, bad) in ["a/b", "", String(repeating: "x", count: 300), "tab\u{7}bell"].enumerated() {
            let prepared = try preparedOutput("names\(k).h5", chi2: [1, 2, 3, 4, 5], names: ["good", bad])
            let output = dir.path("out\(k).h5")
            let r = try PDFEmuExecutable.run(["chi2", "--oracle", copying(prepared), "--input", input, "--output", output])
            XCTAssertEqual(r.status, 1, "name \(bad.debugDescription): \(r.stderr)")
            XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("/experiment_names"), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output), "name \(bad.debugDescription) was written")
        }
    }

    /// A negative χ² (total or per experiment) is an error naming the oracle and the row, not a value.
    func testNegativeChi2IsReportedWithItsRow() throws {
        let input = try pointsFile()
        let total = try preparedOutput("neg.h5", chi2: [1, 2, -3, 4, 5], names: [])
        var r = try PDFEmuExecutable.run(["chi2", "--oracle", copying(total), "--input", input, "--output", dir.path("o1.h5")])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("oracle 'cp "), r.stderr)
        XCTAssertTrue(r.stderr.contains("/chi2: row 2 is negative"), r.stderr)
        let part = try preparedOutput("negexp.h5", chi2: [1, 2, 3, 4, 5], names: ["p", "q"],
                                      perExperiment: [0, 1, 1, 1, 1, 1, 1, -2, 1, 1])
        r = try PDFEmuExecutable.run(["chi2", "--oracle", copying(part), "--input", input, "--output", dir.path("o2.h5")])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("row 3, experiment q is negative"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("o1.h5")) || FileManager.default.fileExists(atPath: dir.path("o2.h5")))
    }

    /// A verification batch asks each distinct point once (a profile point may also be a contour
    /// vertex or the minimum; before, such points were sent again in the same call). The scans are those
    /// of `VerificationTests`' analytic guarantee, where the plan shares points between answers; the
    /// oracle is the exact model, and `Witness` notes what it is asked.
    func testVerificationAsksEachDistinctPointOnce() throws {
        let exact = QuadraticModel(p: 4, quartic: 0.05)
        var o = ScanOptions(profileParameters: ["p0", "p1", "p2"], tolerances: [1, 10])
        o.points = 11
        o.lagrangeExpressions = ["p0 + 0.5*p1"]
        let clean = try ScanRunner.run(model: exact, options: o)
        let pr = try XCTUnwrap(clean.profiles.first { $0.parameter == "p0" })
        let centre = VerificationPlan.profiled(Minimiser(model: exact), scan: clean, profile: pr, at: try XCTUnwrap(pr.intervals[0].upper)).theta
        let sigma = exact.parameterNames.indices.map { clean.hessian.sigma(ofParameter: $0) ?? 1 }
        var shared = false
        for h in [0, 0.005, 0.02, 0.05, 0.3, 1] {
            let damaged = BumpedModel(base: exact, centre: centre, width: sigma.map { 0.4 * $0 }, height: h)
            let scan = try ScanRunner.run(model: damaged, options: o)
            let witness = Witness(base: ModelOracle(exact, label: "exact"))
            let v = try Verification.run(model: damaged, scan: scan, scanOptions: o, oracle: witness)
            let asked = witness.log.points
            if v.points.count > Set(v.points.map(\.theta)).count { shared = true }
            XCTAssertEqual(asked.count, Set(asked).count, "h = \(h): a point was asked twice")
            XCTAssertEqual(Set(asked), Set(v.points.map(\.theta)), "h = \(h): every point of the plan is asked")
            for p in v.points where p.trueChi2.isFinite { XCTAssertEqual(p.trueChi2, exact.value(at: p.theta), accuracy: 1e-9) }
        }
        XCTAssertTrue(shared, "no plan shared a point between answers: the case is not exercised")
    }
}

/// The points an oracle was asked, across calls.
final class AskedPoints: @unchecked Sendable {
    private let lock = NSLock()
    private var rows: [[Double]] = []
    func add(_ p: OraclePoints) { lock.lock(); for i in 0..<p.count { rows.append(p.point(i)) }; lock.unlock() }
    var points: [[Double]] { lock.lock(); defer { lock.unlock() }; return rows }
}

/// A real oracle with a note of every point it is asked (the answers are the base oracle's).
struct Witness: ChiSquareOracle {
    let base: ModelOracle
    let log = AskedPoints()
    var label: String { base.label }
    var parameterNames: [String]? { base.parameterNames }
    func evaluate(_ points: OraclePoints) throws(OracleError) -> OracleResult {
        log.add(points)
        return try base.evaluate(points)
    }
}
