import Foundation
import XCTest
@testable import PDFEmuIO
@testable import PDFEmuNetwork
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
import PDFEmuTestSupport

/// `pdfemu chi2 --oracle` end to end (the built executables), shards and `pdfemu merge`.
final class Chi2CommandTests: XCTestCase {
    var dir: TemporaryDirectory!
    override func setUpWithError() throws { dir = try TemporaryDirectory() }
    override func tearDown() { dir.remove() }

    func writePoints(_ name: String, _ points: OraclePoints) throws -> String {
        let path = dir.path(name)
        try OracleFiles.writeInput(points, to: path)
        return path
    }

    func assertOneLineError(_ r: PDFEmuExecutable.Run, mentions: [String], noFile: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("error: "), r.stderr, file: file, line: line)
        for m in mentions { XCTAssertTrue(r.stderr.contains(m), "\(r.stderr) should mention \(m)", file: file, line: line) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: noFile), "no output after an error", file: file, line: line)
    }

    func testWritesAScanFileWithProvenanceAndUndefinedRowsThatReadersDrop() throws {
        let points = try ExampleOracle.points(8, first: -8, step: 1.5)   // rows 0, 1 undefined
        let input = try writePoints("points.h5", points), output = dir.path("scan.h5")
        let command = try ExampleOracle.command()
        let r = try PDFEmuExecutable.run(["chi2", "--oracle", command, "--input", input, "--output", output, "--chunk-size", "3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("evaluated 8 points"), r.stdout)
        XCTAssertTrue(r.stdout.contains("2 undefined"), r.stdout)
        let scan = try ScanReader.readOne(output)
        XCTAssertEqual(scan.count, 6)
        XCTAssertEqual(scan.droppedRows, 2)
        XCTAssertEqual(scan.experimentNames, ["quad", "valley"])
        for i in 0..<6 {
            let x = points.point(i + 2), parts = ExampleOracle.parts(x)
            XCTAssertEqual(scan.point(i), x)
            XCTAssertEqual(scan.chi2[i], 100 + parts[0] + parts[1], accuracy: 1e-9)
        }
        let attrs = scan.sources[0].attributes
        XCTAssertEqual(attrs["oracle"], command)
        XCTAssertEqual(attrs["format"], OracleScanFile.formatTag)
        XCTAssertEqual(attrs["input"], input)
        XCTAssertEqual(attrs["input_hash"], try RunIdentity.fileHash(input))
        XCTAssertNotNil(ISO8601DateFormatter().date(from: attrs["evaluated_at"] ?? ""))
        let kept = try OracleScanFile.read(output)
        XCTAssertEqual(kept.result.definedRows, Array(2..<8))
        XCTAssertTrue(kept.result.undefinedReasons[0]!.contains("outside the parametrisation"))
        let f = try HDF5File(open: output)
        XCTAssertEqual(try f.read("/defined", as: Int32.self).values, [0, 0, 1, 1, 1, 1, 1, 1])
    }

    func testShardsMergeIntoTheUnshardedFile() throws {
        let points = try ExampleOracle.points(11, first: -7, step: 0.9)
        let input = try writePoints("points.h5", points)
        let command = try ExampleOracle.command()
        let whole = dir.path("whole.h5")
        XCTAssertEqual(try PDFEmuExecutable.run(["chi2", "--oracle", command, "--input", input, "--output", whole]).status, 0)
        var shards: [String] = []
        for k in [2, 0, 1] {
            let s = dir.path("shard\(k).h5")
            let r = try PDFEmuExecutable.run(["chi2", "--oracle", command, "--input", input, "--output", s, "--shard", "\(k)/3"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try OracleScanFile.read(s).points.count, [3, 4, 4][k])
            if k == 0 { XCTAssertTrue(r.stdout.contains("3 undefined"), "a shard of undefined points is kept: \(r.stdout)") }
            shards.append(s)
        }
        let merged = dir.path("merged.h5")
        assertOneLineError(try PDFEmuExecutable.run(["merge", merged, shards[0], shards[1]]), mentions: ["shard 1/3 missing"], noFile: merged)
        assertOneLineError(try PDFEmuExecutable.run(["merge", merged, shards[0], shards[1], shards[1], shards[2]]),
                           mentions: ["given twice"], noFile: merged)
        let other = dir.path("other.h5")
        XCTAssertEqual(try PDFEmuExecutable.run(["chi2", "--oracle", command + " ", "--input", input, "--output", other,
                                                 "--shard", "1/3"]).status, 0)
        assertOneLineError(try PDFEmuExecutable.run(["merge", merged, shards[0], other, shards[1]]),
                           mentions: ["belongs to another run"], noFile: merged)
        let r = try PDFEmuExecutable.run(["merge", merged] + shards)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("11 points"), r.stdout)
        let a = try OracleScanFile.read(whole), b = try OracleScanFile.read(merged)
        XCTAssertEqual(a.points, b.points)
        XCTAssertEqual(a.result.chi2.map { $0.isNaN ? -1 : $0 }, b.result.chi2.map { $0.isNaN ? -1 : $0 })
        XCTAssertEqual(a.result.undefinedReasons, b.result.undefinedReasons)
        XCTAssertEqual(a.attributes.filter { $0.key != "evaluated_at" }, b.attributes.filter { $0.key != "evaluated_at" })
    }

    func testPdfemuChi2ItselfServesAsTheOracleCommand() throws {
        let emulatorPath = packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path
        let emulator = try Emulator.load(emulatorPath)
        let points = try OraclePoints(parameterNames: emulator.parameterNames, values: emulator.bestTrainingPoints.prefix(5).flatMap { $0 })
        let input = try writePoints("points.h5", points), output = dir.path("scan.h5")
        let inner = ShellCommand.quote(PDFEmuExecutable.url!.path) + " chi2 --quiet --oracle " + ShellCommand.quote("emulator:" + emulatorPath)
            + " --input {input} --output {output}"
        let r = try PDFEmuExecutable.run(["chi2", "--oracle", inner, "--input", input, "--output", output, "--chunk-size", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let scan = try ScanReader.readOne(output)
        // float32 networks: chunks of 2 and one batch of 5 round differently in BLAS.
        for (a, b) in zip(scan.chi2, emulator.predictBatch(points.values).value) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        XCTAssertEqual(scan.count, 5)
        // The in-process oracle directly: the same values (one batch), and the emulator's hash as provenance.
        let direct = dir.path("direct.h5")
        let d = try PDFEmuExecutable.run(["chi2", "--oracle", "emulator:" + emulatorPath, "--input", input, "--output", direct])
        XCTAssertEqual(d.status, 0, d.stderr)
        let directScan = try ScanReader.readOne(direct)
        XCTAssertEqual(directScan.chi2, emulator.predictBatch(points.values).value)
        XCTAssertEqual(directScan.sources[0].attributes["emulator_hash"], try RunIdentity.fileHash(emulatorPath))
        XCTAssertEqual(directScan.sources[0].attributes["oracle"], "emulator:" + emulatorPath)
        XCTAssertEqual(scan.experimentNames, emulator.experimentNames)
    }

    func testBadInputAndFailingOraclesGiveOneLineAndNoOutput() throws {
        let points = try ExampleOracle.points(4)
        let input = try writePoints("points.h5", points), output = dir.path("out.h5")
        let ok = try ExampleOracle.command()
        for (args, mentions) in [
            (["--oracle", try ExampleOracle.command("fail")], ["exited with status 4", "licence server unreachable", "nothing written"]),
            (["--oracle", try ExampleOracle.command("hang"), "--timeout", "0.5"], ["timeout of 0.5 s"]),
            (["--oracle", try ExampleOracle.command("wrong-shape")], ["/chi2", "expected [4]"]),
            (["--oracle", try ExampleOracle.command("wrong-names")], ["/parameter_names"]),
            (["--oracle", "./fit {input}"], ["must contain {output}"]),
            (["--oracle", "nope:theory.h5"], ["unknown oracle scheme 'nope'"]),
            (["--oracle", "fk:theory.h5"], ["theory.h5: no such file"]),
            (["--oracle", ok, "--shard", "5/4"], ["--shard 5/4"]),
            (["--oracle", ok, "--shard", "3/9"], ["this shard is empty"]),
            ([], ["give --oracle"]),
            (["--oracle", ok, "--timeout", "0"], ["--timeout must be > 0"]),
            (["--oracle", ok, "--chunk-size=-2"], ["--chunk-size must be ≥ 0"]),
        ] {
            assertOneLineError(try PDFEmuExecutable.run(["chi2", "--input", input, "--output", output] + args),
                               mentions: mentions, noFile: output)
        }
        let allBad = try writePoints("bad.h5", try ExampleOracle.points(3, first: -9, step: 0.5))
        assertOneLineError(try PDFEmuExecutable.run(["chi2", "--oracle", ok, "--input", allBad, "--output", output]),
                           mentions: ["all 3 points are undefined", "outside the parametrisation"], noFile: output)
        assertOneLineError(try PDFEmuExecutable.run(["chi2", "--oracle", ok, "--input", dir.path("none.h5"), "--output", output]),
                           mentions: ["none.h5: no such file"], noFile: output)
        // The output may not be the input, under any name.
        let link = dir.path("link.h5")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: input)
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        for same in [input, link, dir.url.appendingPathComponent("sub/../points.h5").path] {
            try? FileManager.default.createDirectory(atPath: dir.path("sub"), withIntermediateDirectories: true)
            let r = try PDFEmuExecutable.run(["chi2", "--oracle", ok, "--input", input, "--output", same])
            XCTAssertEqual(r.status, 1)
            XCTAssertTrue(r.stderr.contains("output would overwrite the input --input"), r.stderr)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: input)), before)
    }
}
