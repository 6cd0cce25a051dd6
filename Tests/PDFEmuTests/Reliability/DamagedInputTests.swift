import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
import PDFEmuTestSupport

/// Issue 8, crashes, names and damaged emulators: every bad input is one clear line, checked before
/// anything is allocated from it.
final class DamagedInputTests: XCTestCase {
    /// A tiny emulator fitted in-process, and its directory.
    func fitTiny(_ dir: TempDir, precision: String = "float32") throws -> Emulator {
        try SyntheticScan.write(dir.file("scan.h5"), n: 300)
        let text = SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), epochs: 2, hidden: "[8]")
            .replacingOccurrences(of: "\"members\": 1", with: "\"members\": 2, \"precision\": \"\(precision)\"")
        let cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, text))
        return try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("emu.h5"))).emulator
    }

    /// `e` with some parts replaced.
    func variant(_ e: Emulator, names: [String]? = nil, experiments: [String]? = nil, weights: ((inout [Double]) -> Void)? = nil,
                 outputScale: [Double]? = nil) -> Emulator {
        let members = e.members.map { m -> DenseNetwork in
            var w = m.weights
            weights?(&w)
            return DenseNetwork(architecture: m.architecture, weights: w, inputMean: m.inputMean, inputTransform: m.inputTransform,
                                outputShift: m.outputShift, outputScale: outputScale ?? m.outputScale, outputLogScale: m.outputLogScale)
        }
        return Emulator(parameterNames: names ?? e.parameterNames, experimentNames: experiments ?? e.experimentNames,
                        targetName: e.targetName, targetIsChi2: e.targetIsChi2, architecture: e.architecture, precision: e.precision,
                        members: members, sampleMinimum: e.sampleMinimum, bestTrainingPoints: e.bestTrainingPoints, domain: e.domain,
                        report: e.report, configText: e.configText, seed: e.seed)
    }

    func assertLoadFails(_ path: String, mentions: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertThrowsError(try Emulator.load(path), file: file, line: line) { e in
            XCTAssertTrue(userMessage(e).contains(mentions), userMessage(e), file: file, line: line)
            XCTAssertFalse(userMessage(e).contains("\n"), file: file, line: line)
        }
        let r = try PDFEmuExecutable.run(["scan", "--emulator", path, "--params", "none"])
        XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr, file: file, line: line)
    }

    /// Replaces every 8-byte little-endian `old` in the file by `new`; returns how many.
    @discardableResult
    func patch(_ path: String, _ old: UInt64, _ new: UInt64) throws -> Int {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let hits = byteOffsets(of: littleEndianBytes(old), in: bytes)
        for at in hits { bytes.replaceSubrange(at..<(at + 8), with: littleEndianBytes(new)) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return hits.count
    }

    func testAHeaderDeclaringAnEnormousRowCountIsOneLine() throws {
        let dir = TempDir()
        let path = dir.file("huge.h5")
        do {
            let f = try HDF5File(create: path)
            try f.write("/parameters", [Double](repeating: 0.5, count: 1237 * 3), shape: [1237, 3])
            try f.write("/chi2", [Double](repeating: 1, count: 1237), shape: [1237])
            try f.writeStrings("/parameter_names", ["a", "b", "c"])
        }
        XCTAssertGreaterThan(try patch(path, 1237, 7_000_000_000), 0)
        XCTAssertThrowsError(try ScanReader.readOne(path)) { e in
            XCTAssertTrue(userMessage(e).contains("huge.h5") && userMessage(e).contains("but the file has"), userMessage(e))
        }
        let r = try PDFEmuExecutable.run(["inspect", path])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
    }

    func testReadsLargerThanTheFileCanHoldAreRefusedBeforeAllocating() throws {
        let dir = TempDir()
        let path = dir.file("small.h5")
        do {
            let f = try HDF5File(create: path)
            try f.write("/x", [1.0, 2.0], shape: [2])
        }
        let g = try HDF5File(open: path)
        XCTAssertEqual(try g.read("/x", as: Double.self).values, [1, 2])
        XCTAssertGreaterThan(g.fileSize, 0)
        // A shape whose product overflows, and one larger than memory, are both refused by size.
        XCTAssertLessThan(HDF5File.memoryLimit, Int.max / 2)
    }

    func testOversizedNetworksInConfigsAreOneLine() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 100)
        for (hidden, says) in [("[1000000000000]", "network.hidden[0]: must be ≤ 65536"), ("[2000000000]", "must be ≤ 65536"),
                               ("[60000, 60000]", "parameters per member"), ("[1e300]", "network.hidden[0]")] {
            let text = SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), epochs: 1, hidden: hidden)
            let r = try PDFEmuExecutable.run(["fit", SyntheticScan.writeConfig(dir, text), "--quiet"])
            XCTAssertEqual(r.status, 1, "\(hidden): \(r.stderr)")
            XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(says), "\(hidden): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("emu.h5")))
        }
        let members = SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), members: 100000)
        XCTAssertThrowsError(try FitConfig.read(SyntheticScan.writeConfig(dir, members))) { e in
            XCTAssertTrue(userMessage(e).contains("network.members: must be ≤ 1000"), userMessage(e))
        }
    }

    func testDamagedEmulatorAttributesAreOneLine() throws {
        let dir = TempDir()
        _ = try fitTiny(dir)
        for (name, value, says) in [("hidden", [Int64(2_000_000_000)], "attribute 'hidden'"), ("members", [Int64(-1)], "attribute 'members'"),
                                    ("members", [Int64(5)], "members.2"), ("inputs", [Int64(-3)], "attribute 'inputs'"),
                                    ("hidden", [Int64(8), 0], "attribute 'hidden'"), ("outputs", [Int64(1) << 40], "attribute 'outputs'")] {
            let p = dir.file("bad-\(name)-\(value[0]).h5")
            try FileManager.default.copyItem(atPath: dir.file("emu.h5"), toPath: p)
            let f = try HDF5File(open: p, writable: true)
            try f.writeAttribute(name, value)
            try f.flush()
            try assertLoadFails(p, mentions: says)
        }
    }

    func testNonFiniteWeightsZeroScalesAndGarbledBytesAreRejected() throws {
        let dir = TempDir()
        let e = try fitTiny(dir)
        try variant(e, weights: { $0[3] = .nan }).write(to: dir.file("nan.h5"))
        try assertLoadFails(dir.file("nan.h5"), mentions: "is nan")
        try variant(e, weights: { $0[0] = .infinity }).write(to: dir.file("inf.h5"))
        try assertLoadFails(dir.file("inf.h5"), mentions: "is inf")
        var zero = e.members[0].outputScale; zero[0] = 0
        try variant(e, outputScale: zero).write(to: dir.file("zero.h5"))
        try assertLoadFails(dir.file("zero.h5"), mentions: "output_scale: value 0 is 0")
        var inf = e.members[0].outputScale; inf[1] = .infinity
        try variant(e, outputScale: inf).write(to: dir.file("infscale.h5"))
        try assertLoadFails(dir.file("infscale.h5"), mentions: "output_scale")

        // One weight's stored bytes changed: the checksum catches it.
        let w = e.members[1].weights.prefix(4).map { Float($0) }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir.file("emu.h5"))))
        let pattern = w.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
        guard let at = byteOffsets(of: pattern, in: bytes).first else {
            return XCTFail("weights not found in the file")
        }
        bytes[at + 5] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: dir.file("garbled.h5")))
        try assertLoadFails(dir.file("garbled.h5"), mentions: "checksum")
        // The intact file verifies and reports its checksum.
        let summary = try EmulatorSummary(path: dir.file("emu.h5"))
        XCTAssertTrue(summary.checksumStored)
        XCTAssertEqual(summary.weightsChecksum, try Emulator.load(dir.file("emu.h5")).weightsChecksum)
        let inspect = try PDFEmuExecutable.run(["inspect", dir.file("emu.h5")])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains(summary.weightsChecksum + " (stored and verified)"), inspect.stdout)
    }

    func testFloat64EmulatorChecksumRoundTrips() throws {
        let dir = TempDir()
        let e = try fitTiny(dir, precision: "float64")
        XCTAssertEqual(try Emulator.load(dir.file("emu.h5")).weightsChecksum, e.weightsChecksum)
    }

    func testTheCommittedEmulatorWithoutChecksumLoadsAndPredictsAsOnMain() throws {
        let path = packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path
        let e = try Emulator.load(path)
        XCTAssertFalse(try EmulatorSummary(path: path).checksumStored)
        let points = try PredictRunner.readPoints(packageRoot.appendingPathComponent("Datasets/demo_points.h5").path, for: e)
        // Written by `pdfemu predict --output` of main at 4224f0b (before this branch).
        let f = try HDF5File(open: Fixture.path("hera14_demo_predictions_main.h5"))
        XCTAssertEqual(e.predictBatch(points).value, try f.read("/chi2", as: Double.self).values)
    }

    func testBadNamesAreRejectedWhereTheyEnter() throws {
        let dir = TempDir()
        let long = String(repeating: "n", count: 300)
        for (names, says) in [(["a", "", "c"], "parameter name 1 is empty"), (["a", "b/c", "d"], "contains '/'"),
                              (["a", "a", "c"], "appears twice"), (["a", long, "c"], "300 characters long"),
                              (["a", "b\nc", "d"], "control character")] {
            let p = dir.file("names.h5")
            try? FileManager.default.removeItem(atPath: p)
            try SyntheticScan.write(p, n: 30, parameterNames: names)
            XCTAssertThrowsError(try ScanReader.readOne(p), "\(names)") { e in
                XCTAssertTrue(userMessage(e).contains(says), userMessage(e))
                XCTAssertTrue(userMessage(e).contains("/parameter_names"), userMessage(e))
                XCTAssertLessThan(userMessage(e).count, 300)
            }
        }
        // Experiments: duplicate names, ndata ≤ 0.
        func scan(experiments: [String], ndata: [Int64]?) throws -> String {
            let p = dir.file("exp-\(UUID().uuidString).h5")
            try SyntheticScan.write(p, n: 30)
            if let ndata {
                let f = try HDF5File(open: p, writable: true)
                try f.write("/ndata_per_experiment", ndata, shape: [ndata.count])
                try f.flush()
            }
            if experiments != ["E1", "E2"] {
                // Rewrite the file with other experiment names.
                let d = try ScanReader.readOne(p)
                let g = try HDF5File(create: p)
                try g.write("/parameters", d.parameters, shape: [d.count, 3])
                try g.write("/chi2", d.chi2, shape: [d.count])
                try g.write("/chi2_per_experiment", d.chi2PerExperiment, shape: [d.count, 2])
                try g.writeStrings("/parameter_names", d.parameterNames)
                try g.writeStrings("/experiment_names", experiments)
            }
            return p
        }
        XCTAssertThrowsError(try ScanReader.readOne(try scan(experiments: ["E", "E"], ndata: nil))) { e in
            XCTAssertTrue(userMessage(e).contains("experiment name \"E\" appears twice"), userMessage(e))
        }
        for nd in [[Int64(10), 0], [Int64(-4), 3]] {
            XCTAssertThrowsError(try ScanReader.readOne(try scan(experiments: ["E1", "E2"], ndata: nd))) { e in
                XCTAssertTrue(userMessage(e).contains("/ndata_per_experiment") && userMessage(e).contains("must be > 0"), userMessage(e))
            }
        }
        // Emulator files: names are checked on loading too.
        let e = try fitTiny(dir)
        try variant(e, names: ["a", "a", "c"]).write(to: dir.file("dup.h5"))
        try assertLoadFails(dir.file("dup.h5"), mentions: "parameter name \"a\" appears twice")
        try variant(e, experiments: ["E1", ""]).write(to: dir.file("empty-exp.h5"))
        try assertLoadFails(dir.file("empty-exp.h5"), mentions: "experiment name 1 is empty")
        try variant(e, names: ["a", "x/y", "c"]).write(to: dir.file("slash.h5"))
        try assertLoadFails(dir.file("slash.h5"), mentions: "contains '/'")
    }
}
