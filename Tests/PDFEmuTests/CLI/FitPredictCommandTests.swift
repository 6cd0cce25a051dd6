import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

/// `pdfemu fit` and `pdfemu predict` end to end, including every bad input of the fit issue.
final class FitPredictCommandTests: XCTestCase {
    func assertOneLineError(_ r: PDFEmuExecutable.Run, mentions: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, file: file, line: line)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderrLines.first?.hasPrefix("error:") ?? false, r.stderr, file: file, line: line)
        for m in mentions { XCTAssertTrue(r.stderr.contains(m), "\(r.stderr) should mention \(m)", file: file, line: line) }
    }

    func writePoints(_ path: String, names: [String], rows: [[Double]]) throws {
        let f = try HDF5File(create: path)
        try f.write("/parameters", rows.flatMap { $0 }, shape: [rows.count, names.count])
        try f.writeStrings("/parameter_names", names)
    }

    func testFitThenPredictAndBadInputs() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 800)
        let cfg = SyntheticScan.writeConfig(dir, SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"), epochs: 3, hidden: "[16]"))
        let fit = try PDFEmuExecutable.run(["fit", cfg, "--quiet"])
        XCTAssertEqual(fit.status, 0, fit.stderr)
        XCTAssertTrue(fit.stdout.contains("[1,10)"), fit.stdout)
        XCTAssertTrue(fit.stdout.contains("no ensemble spread: 1 member"), fit.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("emu.h5")))

        // Columns in another order are matched by name.
        try writePoints(dir.file("pts.h5"), names: ["c", "a", "b"], rows: [[0.1, 0.5, -0.2], [0.0, 0.6, -0.1]])
        let table = try PDFEmuExecutable.run(["predict", "--emulator", dir.file("emu.h5"), "--input", dir.file("pts.h5")])
        XCTAssertEqual(table.status, 0, table.stderr)
        let emu = try Emulator.load(dir.file("emu.h5"))
        let v0 = emu.prediction(at: [0.5, -0.2, 0.1]).value
        XCTAssertTrue(table.stdout.contains(Fmt.fixed(v0, 4)), table.stdout)
        XCTAssertTrue(table.stdout.contains("no ensemble spread: 1 member"), table.stdout)
        let out = try PDFEmuExecutable.run(["predict", "--emulator", dir.file("emu.h5"), "--input", dir.file("pts.h5"), "--output", dir.file("pred.h5")])
        XCTAssertEqual(out.status, 0, out.stderr)
        let pf = try HDF5File(open: dir.file("pred.h5"))
        let chi2 = try pf.read("/chi2", as: Double.self)
        XCTAssertEqual(chi2.shape, [2])
        XCTAssertEqual(chi2.values[0], emu.predictBatch([0.5, -0.2, 0.1]).value[0], accuracy: 1e-9)
        XCTAssertEqual(try pf.read("/chi2_per_experiment", as: Double.self).shape, [2, 2])
        XCTAssertFalse(pf.isDataset("/chi2_std"), "one member: no spread written")
        XCTAssertEqual(try pf.readStringAttribute("spread"), "single-member")
        XCTAssertTrue(out.stdout.contains("no ensemble spread: 1 member"), out.stdout)

        // A predict input whose names don't match.
        try writePoints(dir.file("wrong.h5"), names: ["a", "b", "x"], rows: [[0, 0, 0]])
        assertOneLineError(try PDFEmuExecutable.run(["predict", "--emulator", dir.file("emu.h5"), "--input", dir.file("wrong.h5"), "--output", dir.file("p2.h5")]),
                           mentions: ["wrong.h5", "lacks c"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("p2.h5")))
        // NaN in the input points names the row.
        try writePoints(dir.file("nan.h5"), names: ["a", "b", "c"], rows: [[0, 0, 0], [0, .nan, 0]])
        assertOneLineError(try PDFEmuExecutable.run(["predict", "--emulator", dir.file("emu.h5"), "--input", dir.file("nan.h5"), "--output", dir.file("p3.h5")]),
                           mentions: ["nan.h5", "row 1", "b"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("p3.h5")))
        // Output in a missing directory.
        assertOneLineError(try PDFEmuExecutable.run(["predict", "--emulator", dir.file("emu.h5"), "--input", dir.file("pts.h5"), "--output", dir.file("none/p.h5")]),
                           mentions: ["none", "does not exist"])
        assertOneLineError(try PDFEmuExecutable.run(["fit", cfg, "--quiet", "--output", dir.file("none/e.h5")]), mentions: ["does not exist"])
        // Not an emulator.
        assertOneLineError(try PDFEmuExecutable.run(["predict", "--emulator", dir.file("scan.h5"), "--input", dir.file("pts.h5")]),
                           mentions: ["scan.h5", "not a pdfemu emulator"])
    }

    func testConfigErrorsAreOneLine() throws {
        let dir = TempDir()
        let bad = SyntheticScan.writeConfig(dir, #"{"data": {"files": ["x.h5"]}, "training": {"learning_rate": -0.1}}"#)
        assertOneLineError(try PDFEmuExecutable.run(["fit", bad]), mentions: ["training.learning_rate"])
        let unknown = SyntheticScan.writeConfig(dir, #"{"data": {"files": ["x.h5"]}, "netwrok": {}}"#, name: "u.json")
        assertOneLineError(try PDFEmuExecutable.run(["fit", unknown]), mentions: ["netwrok", "unknown key"])
        let missingScan = SyntheticScan.writeConfig(dir, #"{"data": {"files": ["/nonexistent/scan.h5"]}, "output": "/tmp/x.h5"}"#, name: "m.json")
        assertOneLineError(try PDFEmuExecutable.run(["fit", missingScan]), mentions: ["/nonexistent/scan.h5", "no such file"])
        assertOneLineError(try PDFEmuExecutable.run(["fit", dir.file("absent.json")]), mentions: ["absent.json"])
    }

    func testDivergenceExitsNonZeroAndKeepsBestWeights() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 600)
        let text = SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("emu.h5"),
                                        extra: ", \"optimizer\": \"sgd\", \"momentum\": 0.99, \"schedule\": \"constant\"", epochs: 30, hidden: "[16]")
            .replacingOccurrences(of: "\"learning_rate\": 0.003", with: "\"learning_rate\": 50")
        let r = try PDFEmuExecutable.run(["fit", SyntheticScan.writeConfig(dir, text), "--quiet"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("diverged"), r.stderr)
        XCTAssertEqual(r.stderrLines.filter { $0.hasPrefix("error:") }.count, 1, r.stderr)
    }
}
