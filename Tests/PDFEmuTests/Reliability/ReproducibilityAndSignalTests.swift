import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
@testable import PDFEmuReport
import PDFEmuTestSupport

/// Issue 8, reproducibility, signals, usage errors and the small cases.
final class ReproducibilityAndSignalTests: XCTestCase {
    func testSameSeedWithATimeBudgetGivesIdenticalWeightsWithOneAndTwoThreads() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 600)
        var checksums: [Int: [String]] = [:]
        for threads in [1, 2] {
            let text = SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), epochs: 4, hidden: "[32, 32]")
                .replacingOccurrences(of: "\"max_minutes\": 0, \"threads\": 1", with: "\"max_minutes\": 1, \"threads\": \(threads)")
            XCTAssertTrue(text.contains("\"max_minutes\": 1,"))
            let cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, text, name: "fit\(threads).json"))
            var runs: [FitResult] = []
            for k in 0..<2 {
                runs.append(try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("emu-\(threads)-\(k).h5"))))
            }
            XCTAssertEqual(runs[0].emulator.members[0].weights, runs[1].emulator.members[0].weights, "threads \(threads)")
            // The files differ in their timings, not in their checksum.
            checksums[threads] = try (0..<2).map { try EmulatorSummary(path: dir.file("emu-\(threads)-\($0).h5")).weightsChecksum }
            XCTAssertEqual(checksums[threads]?[0], checksums[threads]?[1])
        }
        XCTAssertEqual(checksums[1], checksums[2], "one and two BLAS threads give the same weights")
    }

    func testTheScheduleIsAFunctionOfTheWorkDone() throws {
        var c = FitConfig.defaults
        c.epochs = 10
        c.maxMinutes = 0.001
        let s = LearningRateSchedule(c.scheduleSettings)
        XCTAssertEqual(s.rate(epoch: 0), c.learningRate)
        XCTAssertEqual(s.rate(epoch: 10), c.minLearningRate, accuracy: 1e-15)
        XCTAssertEqual(s.rate(epoch: 5), c.minLearningRate + 0.5 * (c.learningRate - c.minLearningRate), accuracy: 1e-12)
    }

    /// Starts pdfemu; returns the process and a box filling with its stderr.
    final class Output: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func append(_ d: Data) { lock.lock(); data += d; lock.unlock() }
        var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
    }

    func start(_ args: [String]) throws -> (Process, Output) {
        let p = Process()
        p.executableURL = try XCTUnwrap(PDFEmuExecutable.url)
        p.arguments = args
        let err = Pipe(), out = Output()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        err.fileHandleForReading.readabilityHandler = { h in out.append(h.availableData) }
        try p.run()
        return (p, out)
    }

    func testSIGTERMCheckpointsWritesTheBestEmulatorAndExits143() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 600)
        let cfg = SyntheticScan.writeConfig(dir, SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), epochs: 100000, hidden: "[16]"))
        let (p, out) = try start(["fit", cfg])
        let deadline = Date().addingTimeInterval(60)
        while !out.text.contains("split:") && Date() < deadline { usleep(20_000) }
        usleep(500_000)  // some epochs
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .exit, out.text)
        XCTAssertEqual(p.terminationStatus, 143, out.text)
        XCTAssertTrue(out.text.contains("interrupted by SIGTERM"), out.text)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("emu.h5.checkpoint.h5")))
        XCTAssertNoThrow(try Emulator.load(dir.file("emu.h5")))

        // A later fit without --resume says it replaces the stale checkpoint.
        let short = SyntheticScan.writeConfig(dir, SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), epochs: 1, hidden: "[16]"),
                                              name: "short.json")
        let r = try PDFEmuExecutable.run(["fit", short, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("left from an earlier interrupted fit"), r.stderr)
    }

    func testUsageErrorsAreOneLineWithStatus64() throws {
        for args in [["predict"], ["predict", "--emulator"], ["scan", "--emulator", "x.h5", "--points", "many"], ["fit"], ["nosuchcommand"],
                     ["scan", "--emulator", "x.h5", "--bogus"]] {
            let r = try PDFEmuExecutable.run(args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderrLines.count, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("error: ") && r.stderr.contains("--help"), r.stderr)
        }
        let help = try PDFEmuExecutable.run(["scan", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("--tolerance"))
    }

    func testNegativeNumbersAndExpressionsAsOptionValues() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 400)
        let cfg = SyntheticScan.writeConfig(dir, SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), epochs: 2, hidden: "[8]"))
        XCTAssertEqual(try PDFEmuExecutable.run(["fit", cfg, "--quiet"]).status, 0)
        let ok = try PDFEmuExecutable.run(["scan", "--emulator", dir.file("emu.h5"), "--params", "none", "--fix", "a=-0.5",
                                           "--bound", "b=-3:-0.01", "--lagrange", "-c", "--points", "5", "--json"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let range = try PDFEmuExecutable.run(["scan", "--emulator", dir.file("emu.h5"), "--params", "b", "--range", "b=-1:-0.1", "--points", "5"])
        XCTAssertEqual(range.status, 0, range.stderr)
        // A negative value where it is not sensible reaches pdfemu's own check (not the parser's "cannot parse"),
        // run by the MCMC option group's validate(): a usage error (64) with the library's reason.
        let neg = try PDFEmuExecutable.run(["scan", "--emulator", dir.file("emu.h5"), "--mcmc", "--mcmc-tolerance", "-1"])
        XCTAssertEqual(neg.status, 64, neg.stderr)
        XCTAssertTrue(neg.stderr.contains("--mcmc-tolerance: T² must be > 0, got -1.0"), neg.stderr)
        // Tolerances: sorted; twice or absurdly large is an error.
        let sorted = try PDFEmuExecutable.run(["scan", "--emulator", dir.file("emu.h5"), "--params", "none", "--tolerance", "10,1", "--json"])
        XCTAssertEqual(sorted.status, 0, sorted.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(sorted.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(json?["tolerances"] as? [Double], [1, 10])
        for (t, says) in [("1e308", "above the largest accepted level"), ("1,10,1", "1.0 is given twice"), ("-1", "T² must be > 0")] {
            let r = try PDFEmuExecutable.run(["scan", "--emulator", dir.file("emu.h5"), "--params", "none", "--tolerance", t])
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(says), "\(t): \(r.stderr)")
        }
    }

    func testSmallCases() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 300)
        // A seed above 2⁶³ is read as the unsigned number it is, and printed so.
        let seedText = SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), epochs: 1, hidden: "[8]")
            .replacingOccurrences(of: "\"seed\": 3", with: "\"seed\": 18446744073709551615")
        let cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, seedText))
        XCTAssertEqual(cfg.seed, UInt64.max)
        XCTAssertEqual(try PDFEmuExecutable.run(["fit", SyntheticScan.writeConfig(dir, seedText), "--quiet"]).status, 0)
        XCTAssertTrue(try PDFEmuExecutable.run(["inspect", dir.file("emu.h5")]).stdout.contains("seed 18446744073709551615"))
        for bad in ["-1", "1.5", "1e30"] {
            let t = seedText.replacingOccurrences(of: "18446744073709551615", with: bad)
            XCTAssertThrowsError(try FitConfig.read(SyntheticScan.writeConfig(dir, t, name: "s.json")), bad) { e in
                XCTAssertTrue(userMessage(e).contains("seed"), userMessage(e))
            }
        }
        // max_delta_chi2 that leaves too few points is blamed on itself.
        let cut = SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("cut.h5"), epochs: 1, hidden: "[8]")
            .replacingOccurrences(of: "\"seed\": 3", with: "\"seed\": 3, \"loss\": {\"max_delta_chi2\": 0.001}")
        let r = try PDFEmuExecutable.run(["fit", SyntheticScan.writeConfig(dir, cut, name: "cut.json"), "--quiet"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("loss.max_delta_chi2"), r.stderr)
        // Empty --output.
        for args in [["fit", SyntheticScan.writeConfig(dir, seedText), "--output", ""],
                     ["predict", "--emulator", dir.file("emu.h5"), "--input", dir.file("scan.h5"), "--output", ""],
                     ["scan", "--emulator", dir.file("emu.h5"), "--params", "none", "--output", ""]] {
            let e = try PDFEmuExecutable.run(args)
            XCTAssertEqual(e.status, 1, "\(args): \(e.stderr)")
            XCTAssertTrue(e.stderr.contains("output file name is empty"), e.stderr)
        }
        // A file another program holds open for writing is named as locked, not as damaged.
        let f = try HDF5File(open: dir.file("scan.h5"), writable: true)
        let locked = try PDFEmuExecutable.run(["inspect", dir.file("scan.h5")])
        XCTAssertEqual(locked.status, 1)
        XCTAssertTrue(locked.stderr.contains("file is locked"), locked.stderr)
        try f.flush()
        // A broken external link is named as such.
        do {
            let g = try HDF5File(create: dir.file("linked.h5"))
            try g.write("/parameters", [Double](repeating: 1, count: 30), shape: [10, 3])
            try g.createExternalLink("/chi2", file: dir.file("gone.h5"), target: "/chi2")
        }
        XCTAssertThrowsError(try ScanReader.readOne(dir.file("linked.h5"))) { e in
            XCTAssertTrue(userMessage(e).contains("/chi2: is an external link to \(dir.file("gone.h5")):/chi2"), userMessage(e))
        }
    }

    func testAtomicOutputKeepsPermissionsWritesThroughSymlinksAndCleansStaleTemporaries() throws {
        let dir = TempDir()
        let target = dir.file("out.bin")
        try AtomicOutput.write(Data("one".utf8), to: target)
        XCTAssertEqual(chmod(target, 0o640), 0)
        try AtomicOutput.write(Data("two".utf8), to: target)
        var st = stat()
        XCTAssertEqual(stat(target, &st), 0)
        XCTAssertEqual(st.st_mode & 0o7777, 0o640)
        // Through a symlink: the link stays a link, its target gets the new bytes.
        try FileManager.default.createSymbolicLink(atPath: dir.file("link.bin"), withDestinationPath: "out.bin")
        try AtomicOutput.write(Data("three".utf8), to: dir.file("link.bin"))
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: dir.file("link.bin")), "out.bin")
        XCTAssertEqual(FileManager.default.contents(atPath: target), Data("three".utf8))
        // Temporaries of a dead writer go at the next write of the same target; a live writer's stay.
        var dead: Int32 = 4_000_000
        while kill(dead, 0) == 0 || errno != ESRCH { dead += 1 }
        let stale = dir.file(".out.bin.tmp-\(dead)-7"), live = dir.file(".out.bin.tmp-1-7"), other = dir.file(".other.tmp-\(dead)-7")
        for p in [stale, live, other] { FileManager.default.createFile(atPath: p, contents: Data()) }
        try AtomicOutput.write(Data("four".utf8), to: target)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale))
        XCTAssertTrue(FileManager.default.fileExists(atPath: live))
        XCTAssertTrue(FileManager.default.fileExists(atPath: other))
        XCTAssertThrowsError(try AtomicOutput.write(Data(), to: "")) { e in XCTAssertEqual(userMessage(e), "output file name is empty") }
    }
}
