import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
import PDFEmuTestSupport

/// Hostile command lines (issue 17, items 1, 6 and 8): outputs that name an input hidden in another
/// value, sizes no machine can hold, negative option values, impossible state directories, prior boxes
/// that overflow, and merged files that must keep what an unsharded run writes.
final class HostileInputTests: XCTestCase {
    var dir: TemporaryDirectory!
    override func setUpWithError() throws { dir = try TemporaryDirectory() }
    override func tearDown() { dir.remove() }

    static let emulator = packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path
    static let theory = packageRoot.appendingPathComponent("Datasets/hera_fk_nlo.h5").path
    static let training = packageRoot.appendingPathComponent("Datasets/hera14_train.h5").path
    static let demoPoints = packageRoot.appendingPathComponent("Datasets/demo_points.h5").path

    /// A copy of `source` in the test directory named `name`.
    func copy(_ source: String, _ name: String) throws -> String {
        let path = dir.path(name)
        try FileManager.default.copyItem(atPath: source, toPath: path)
        return path
    }

    /// Runs pdfemu and checks: exit `status` (1 unless given), one `error:` line holding every `needle`,
    /// not a crash (a backtrace, exit 134) and not the timeout.
    @discardableResult
    func expectOneLine(_ args: [String], _ needles: [String], status: Int32 = 1, memory: Int? = nil, timeout: Double = 120,
                       file: StaticString = #filePath, line: UInt = #line) throws -> PDFEmuExecutable.Run {
        let r = try PDFEmuExecutable.run(args, timeout: timeout, addressSpaceLimit: memory, file: file, line: line)
        let shown = args.joined(separator: " ") + " → " + r.stderr
        XCTAssertFalse(r.timedOut, "ran past \(timeout) s: " + shown, file: file, line: line)
        XCTAssertFalse(r.signaled, "killed by a signal: " + shown, file: file, line: line)
        XCTAssertEqual(r.status, status, shown, file: file, line: line)
        XCTAssertEqual(r.stderrLines.count, 1, shown, file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("error: "), shown, file: file, line: line)
        for n in needles { XCTAssertTrue(r.stderr.contains(n), "\(shown) should mention \(n)", file: file, line: line) }
        return r
    }

    // MARK: item 1: outputs that would overwrite an input named inside another value

    /// Files named inside an oracle spec (`fk:`, `emulator:`, a command's words), in `--verify` and in
    /// `--experiment-points` are inputs: an output naming one (in any spelling) is refused and the file is
    /// unchanged (today each of these replaces the input and exits 0).
    func testOutputsNamedInsideOracleSpecsAndOptionValuesAreProtected() throws {
        let t = try copy(Self.theory, "T.h5"), e = try copy(Self.emulator, "E.h5"), x = try copy(Self.training, "X.h5")
        let points = try copy(Self.demoPoints, "points.h5")
        let hashes = try [t, e, x].map { try RunIdentity.fileHash($0) }
        let exe = try XCTUnwrap(PDFEmuExecutable.url).path
        let scan = ["scan", "--emulator", Self.emulator, "--params", "Cuv", "--points", "5", "--tolerance", "1"]
        let cases: [([String], String)] = [
            (["chi2", "--oracle", "fk:" + t, "--input", points, "--output", t], "--oracle fk:"),
            (["chi2", "--oracle", "emulator:" + e, "--input", points, "--output", dir.path("./E.h5")], "--oracle emulator:"),
            (["chi2", "--oracle", "\(exe) chi2 --theory \(t) --input {input} --output {output}", "--input", points, "--output", t], "--oracle"),
            (scan + ["--verify", "fk:" + t, "--output", t], "--verify fk:"),
            (scan + ["--verify", "emulator:" + e, "--output", e], "--verify emulator:"),
            (["eigen", "--emulator", Self.emulator, "--tolerance", "10", "--dynamic-tolerance", "--experiment-points", x, "--output", x],
             "--experiment-points"),
        ]
        for (args, label) in cases {
            try expectOneLine(args, ["output would overwrite the input", label])
        }
        // learn writes everything in its state directory: an oracle file kept there is refused.
        let state = dir.path("state")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: false)
        let inside = try copy(Self.emulator, "state/E.h5")
        let config = dir.path("config.json")
        try #"{"data": {"files": ["x.h5"]}, "network": {"hidden": [8]}, "output": "x_emulator.h5"}"#.write(toFile: config, atomically: true, encoding: .utf8)
        try expectOneLine(["learn", config, "--oracle", "emulator:" + inside, "--initial-scan", x, "--state", state, "--resume"],
                          ["--state", "learn may overwrite"])
        XCTAssertEqual(try [t, e, x].map { try RunIdentity.fileHash($0) }, hashes, "an input was changed")
    }

    /// The oracle spec reports the files it reads: the in-process scheme's file, and the words of a
    /// command that are existing regular files (not its placeholders, not missing names).
    func testOracleSpecReportsTheFilesItReads() throws {
        let t = try copy(Self.theory, "T.h5")
        XCTAssertEqual(try OracleSpec(parsing: "fk:" + t).inputFiles(labelled: "--oracle").map(\.path), [t])
        let command = try OracleSpec(parsing: "/bin/sh -c true --theory=\(t) missing.h5 {input} {output}")
        XCTAssertEqual(command.inputFiles(labelled: "--oracle").map(\.path), ["/bin/sh", t])
    }

    // MARK: item 6: sizes refused before anything is allocated

    /// Sizes no machine can hold or no run can finish: each is one `error:` line naming the flag and
    /// the limit, under a 4 GB address-space limit, quickly — not a backtrace (exit 134), not growth
    /// until the machine's memory runs out, not a loop that runs until killed.
    func testImpossibleSizesAreRefusedBeforeAllocating() throws {
        let e = Self.emulator, out = dir.path("out.h5"), gb4 = 4_000_000_000
        let prior = ["Bg", "Cg", "Agp", "Bgp", "Buv", "Cuv", "Euv", "Bdv", "Cdv", "CUbar", "DUbar", "ADbar", "BDbar", "CDbar"]
            .map { "\($0)=-1:1" }.joined(separator: ",")
        let config = dir.path("config.json")
        try #"{"data": {"files": ["x.h5"]}, "network": {"hidden": [8]}, "output": "x_emulator.h5"}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let initial = dir.path("initial.h5")
        try FileManager.default.copyItem(atPath: Self.training, toPath: initial)
        let cases: [([String], [String], Int32)] = [
            (["scan", "--emulator", e, "--points", "1000000000"], ["--points", "limit"], 1),
            (["scan", "--emulator", e, "--rays", "1000000000", "--contour", "Bg,Cg"], ["--rays", "limit"], 1),
            (["scan", "--emulator", e, "--mcmc", "--mcmc-steps", "1000000000000"], ["--mcmc-steps", "limit"], 64),
            (["scan", "--emulator", e, "--mcmc", "--mcmc-walkers", "1000000000"], ["--mcmc-walkers", "limit"], 64),
            (["sample", "--emulator", e, "--n", "1000000000", "--output", out], ["--n", "limit"], 1),
            (["sample", "--emulator", e, "--n", "10", "--delta-max", "1e308", "--output", out], ["--delta-max", "largest accepted"], 1),
            (["bands", "--theory", Self.theory, "--sets", dir.path("sets.h5"), "--x-points", "1000000000000000"], ["--x-points", "limit"], 1),
            (["evidence", e, "--prior", prior, "--samples", "1000000000000"], ["--samples", "limit"], 1),
            (["evidence", e, "--prior", prior, "--particles", "1000000000"], ["--particles", "limit"], 1),
            (["evidence", e, "--prior", prior, "--temperatures", "1000000000"], ["--temperatures", "limit"], 1),
            (["evidence", e, "--prior", prior, "--moves", "1000000000000"], ["--moves", "limit"], 1),
            (["propose", "--emulator", e, "--n", "1000000000000", "--output", out], ["--n", "limit"], 1),
            (["learn", config, "--oracle", "fk:" + Self.theory, "--initial", "1000000000000", "--state", dir.path("s1")], ["--initial", "limit"], 1),
            (["learn", config, "--oracle", "fk:" + Self.theory, "--initial-scan", initial, "--batch", "1000000000000", "--state", dir.path("s2")],
             ["--batch", "limit"], 1),
        ]
        for (args, needles, status) in cases {
            let start = Date()
            try expectOneLine(args, needles, status: status, memory: gb4, timeout: 60)
            XCTAssertLessThan(Date().timeIntervalSince(start), 20, args.joined(separator: " "))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("s1")) || FileManager.default.fileExists(atPath: dir.path("s2")))
    }

    /// An ensemble whose members × network cannot be held in memory is refused when the config is read,
    /// one whose first epochs overrun training.max_minutes before training starts, each naming
    /// network.members (today only per-member limits are checked and the fit starts).
    func testFitEnsembleTooLargeForMemoryOrMaxMinutesIsRefused() throws {
        let config = dir.path("big.json")
        try #"{"data": {"files": ["x.h5"]}, "network": {"hidden": [2048, 2048], "members": 1000}, "output": "x_emulator.h5"}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        try expectOneLine(["fit", config], ["network.members", "memory"], memory: 4_000_000_000, timeout: 60)
        XCTAssertThrowsError(try FitConfig.read(config)) { XCTAssertTrue(userMessage($0).contains("1000 members"), userMessage($0)) }
        // An ensemble that fits in memory but whose first epochs alone overrun training.max_minutes.
        let slow = dir.path("slow.json")
        try """
            {"data": {"files": ["\(Self.training)"]}, "network": {"hidden": [2048, 2048], "members": 4},
             "training": {"max_minutes": 0.05}, "output": "\(dir.path("e.h5"))"}
            """.write(toFile: slow, atomically: true, encoding: .utf8)
        try expectOneLine(["fit", slow, "--quiet"], ["network.members", "max_minutes"], timeout: 60)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("e.h5")))
    }

    /// The library names its settings, not flags: the same limit reads "design.count: …".
    func testSizeLimitsThrowSettingErrorsNamingTheSetting() throws {
        XCTAssertThrowsError(try DesignRecipe().validateSizes(count: Int.max / 2)) { error in
            let e = error as? SettingError
            XCTAssertEqual(e?.setting, .designCount)
            XCTAssertTrue(e?.description.hasPrefix("design.count: ") ?? false, "\(error)")
        }
        XCTAssertThrowsError(try EvidenceOptions(samples: 1 << 60).validate()) { XCTAssertEqual(($0 as? SettingError)?.setting, .evidenceSamples) }
        XCTAssertThrowsError(try ScanOptions(points: 1 << 40).validate()) { XCTAssertEqual(($0 as? SettingError)?.setting, .points) }
        XCTAssertNoThrow(try DesignRecipe().validateSizes(count: 20_000))
        XCTAssertNoThrow(try EvidenceOptions().validate())
    }

    // MARK: item 8: misleading success and stray bytes

    /// `merge` keeps /ndata_per_experiment, so the merged file is what the unsharded run writes and
    /// `eigen --dynamic-tolerance --experiment-points` accepts it (today merge drops it).
    func testMergeKeepsNdataPerExperiment() throws {
        let points = try copy(Self.demoPoints, "points.h5")
        let whole = dir.path("whole.h5"), merged = dir.path("merged.h5")
        let base = ["chi2", "--oracle", "fk:" + Self.theory, "--input", points, "--quiet"]
        XCTAssertEqual(try PDFEmuExecutable.run(base + ["--output", whole]).status, 0)
        for k in 0..<2 { XCTAssertEqual(try PDFEmuExecutable.run(base + ["--output", dir.path("s\(k).h5"), "--shard", "\(k)/2"]).status, 0) }
        let r = try PDFEmuExecutable.run(["merge", merged, dir.path("s1.h5"), dir.path("s0.h5")])
        XCTAssertEqual(r.status, 0, r.stderr)
        let a = try HDF5File(open: whole), b = try HDF5File(open: merged)
        XCTAssertTrue(b.isDataset("/ndata_per_experiment"), "merge dropped /ndata_per_experiment")
        for name in ["/ndata_per_experiment", "/chi2", "/chi2_per_experiment", "/defined", "/parameters"] where a.isDataset(name) {
            XCTAssertTrue(b.isDataset(name), "merge dropped \(name)")
            XCTAssertEqual(try b.read(name, as: Double.self).values.map { $0.isNaN ? -1 : $0 },
                           try a.read(name, as: Double.self).values.map { $0.isNaN ? -1 : $0 }, name)
        }
        XCTAssertEqual(try b.readStrings("/experiment_names"), try a.readStrings("/experiment_names"))
        let scan = try ScanReader.read([merged], options: ScanReadOptions())
        XCTAssertEqual(scan.ndataPerExperiment.count, scan.experimentNames.count)
        XCTAssertFalse(scan.ndataPerExperiment.isEmpty)
    }

    /// A negative number as an option's value is that value (checked by the option's own rule), not
    /// "Missing value for …".
    func testNegativeNumbersAsOptionValuesGiveTheOptionsOwnMessage() throws {
        let points = try copy(Self.demoPoints, "points.h5")
        var r = try expectOneLine(["chi2", "--oracle", "fk:" + Self.theory, "--input", points, "--output", dir.path("o.h5"), "--timeout", "-5"],
                                  ["--timeout must be > 0", "-5"])
        XCTAssertFalse(r.stderr.contains("Missing value"), r.stderr)
        r = try expectOneLine(["scan", "--emulator", Self.emulator, "--points", "-3"], ["--points", "-3"])
        XCTAssertFalse(r.stderr.contains("Missing value"), r.stderr)
        r = try expectOneLine(["evidence", Self.emulator, "--prior", "Bg=0:1", "--tolerance", "-1e-3"], ["--tolerance", "-0.001"])
        XCTAssertFalse(r.stderr.contains("Missing value"), r.stderr)
    }

    /// `learn --state` creates only the state directory itself: a missing parent chain or a read-only
    /// parent is one line, and nothing is created (today the chain is created, or a Cocoa error dumped).
    func testLearnStateInAMissingOrReadOnlyParentIsOneLine() throws {
        let config = dir.path("config.json")
        try #"{"data": {"files": ["x.h5"]}, "network": {"hidden": [8]}, "output": "x_emulator.h5"}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let missing = dir.path("no/such/parent/state")
        try expectOneLine(["learn", config, "--oracle", "fk:" + Self.theory, "--initial", "10", "--state", missing], ["--state", "does not exist"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("no")), "learn created the parent chain")
        let readOnly = dir.path("ro")
        try FileManager.default.createDirectory(atPath: readOnly, withIntermediateDirectories: false)
        chmod(readOnly, 0o555)
        defer { chmod(readOnly, 0o755) }
        if access(readOnly, W_OK) != 0 {   // root may write anywhere: nothing to refuse then
            try expectOneLine(["learn", config, "--oracle", "fk:" + Self.theory, "--initial", "10", "--state", readOnly + "/state"],
                              ["--state", "not writable"])
        }
        // A file error that reaches the top is one line with the path and the system's reason.
        let e = CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: "/x/state", NSUnderlyingErrorKey: POSIXError(.EACCES)])
        XCTAssertEqual(userMessage(e), "/x/state: " + String(cString: strerror(EACCES)))
        XCTAssertFalse(userMessage(CocoaError(.fileWriteUnknown)).contains("\n"))
    }

    /// A prior box whose width overflows a double is refused with one line (today `log Z = nan ± inf`,
    /// exit 0).
    func testEvidenceOverAnOverflowingPriorBoxIsRefused() throws {
        let prior = ["Bg", "Cg", "Agp", "Bgp", "Buv", "Cuv", "Euv", "Bdv", "Cdv", "CUbar", "DUbar", "ADbar", "BDbar", "CDbar"]
            .map { "\($0)=-1e308:1e308" }.joined(separator: ",")
        let r = try expectOneLine(["evidence", Self.emulator, "--prior", prior], ["prior Bg", "overflows"])
        XCTAssertFalse(r.stdout.contains("nan"), r.stdout)
    }
}
