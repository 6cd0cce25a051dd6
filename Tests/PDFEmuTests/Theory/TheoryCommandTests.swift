import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuNetwork
import PDFEmuTestSupport

/// `pdfemu chi2`, `pdfemu sample` and `pdfemu scan --theory` as a user runs them.
final class TheoryCommandTests: XCTestCase {
    /// A points file of the bundled scan's first `n` rows, with row 2's Buv made negative.
    func writePoints(_ path: String, n: Int) throws -> (names: [String], theta: [[Double]], chi2: [Double]) {
        let rows = try Theory.bundledRows(n)
        var theta = rows.theta
        theta[2][4] = -0.1
        let f = try HDF5File(create: path)
        try f.write("/parameters", theta.flatMap { $0 }, shape: [n, 14])
        try f.writeStrings("/parameter_names", rows.names)
        return (rows.names, theta, rows.chi2)
    }

    func testChi2WritesAScanFileWithProvenanceAndNaNRows() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = dir.path("points.h5"), output = dir.path("scan.h5")
        let rows = try writePoints(input, n: 40)
        let run = try PDFEmuExecutable.run(["chi2", "--theory", Theory.path, "--input", input, "--output", output])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.hasPrefix("evaluated 40 points with fk:\(Theory.path): 1 undefined (first: row 2: sum rule undefined: "
                                           + "B(Buv, Cuv+1) has argument -0.1 ≤ 0 (from Buv = -0.1)), 7 experiments; wrote \(output)"), run.stdout)
        let f = try HDF5File(open: output)
        let chi2: (shape: [Int], values: [Double]) = try f.read("/chi2")
        XCTAssertTrue(chi2.values[2].isNaN)
        for i in 0..<40 where i != 2 { XCTAssertEqual(chi2.values[i], rows.chi2[i], accuracy: 1e-9 * rows.chi2[i]) }
        XCTAssertEqual(try f.readStrings("/parameter_names"), rows.names)
        XCTAssertEqual(try f.readStrings("/experiment_names"), Theory.chi2.experimentNames)
        let nd: (shape: [Int], values: [Int64]) = try f.read("/ndata_per_experiment")
        XCTAssertEqual(nd.values, [377, 159, 70, 254, 204, 39, 42])
        XCTAssertEqual(try f.readStringAttribute("theory_sha256"), try SHA256.hex(file: Theory.path))
        XCTAssertEqual(try f.readStringAttribute("fixed_parameters"), "Duv=0.0, fs=0.4")
        XCTAssertTrue(try f.readStringAttribute("cuts").hasPrefix("Q2 >= 3.49 GeV^2 (1145 data points)"))
        XCTAssertEqual(try f.readStringAttribute("oracle"), "fk:\(Theory.path)")
        let defined: (shape: [Int], values: [Int32]) = try f.read("/defined")
        XCTAssertEqual(defined.values.filter { $0 == 0 }.count, 1)
        // The same through --oracle fk:FILE (default options) gives the same numbers.
        let viaOracle = dir.path("oracle.h5")
        let run2 = try PDFEmuExecutable.run(["chi2", "--oracle", "fk:" + Theory.path, "--input", input, "--output", viaOracle])
        XCTAssertEqual(run2.status, 0, run2.stderr)
        let c2: (shape: [Int], values: [Double]) = try HDF5File(open: viaOracle).read("/chi2")
        XCTAssertEqual(c2.values.map(\.bitPattern), chi2.values.map(\.bitPattern))
        // The scan reader takes it (the NaN row dropped).
        let scan = try PDFEmuExecutable.run(["inspect", output])
        XCTAssertEqual(scan.status, 0, scan.stderr)
        XCTAssertTrue(scan.stdout.contains("1 rows dropped"), scan.stdout)
    }

    func testChi2ErrorsAreOneLineAndWriteNothing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let input = dir.path("points.h5"), output = dir.path("out.h5")
        _ = try writePoints(input, n: 5)
        let cases: [([String], String)] = [
            (["--input", input, "--output", input], "error: \(input): output would overwrite the input --input; choose another output file"),
            (["--input", input, "--output", output, "--fix", "Bogus=1"], "error: --fix: unknown parameter 'Bogus'"),
            (["--input", input, "--output", output, "--fix", "Bg=0", "--free", "Bg,Cg"], "error: --free Bg: the parameter is also fixed"),
            (["--input", input, "--output", output, "--q2-min", "1e9"], "error: --q2-min: 1000000000.0 leaves no data points of \(Theory.path)"),
            (["--input", input, "--output", output, "--free", "Bg,Cg,Agp,Bgp,Buv,Cuv,Duv,Euv,Bdv,Cdv,CUbar,DUbar,ADbar,BDbar,CDbar"],
             "error: oracle fk:\(Theory.path): /parameter_names lacks Duv (needed: Bg,Cg,Agp,Bgp,Buv,Cuv,Duv,"),
            (["--input", dir.path("none.h5"), "--output", output], "error: \(dir.path("none.h5")): no such file"),
            (["--input", input, "--output", output, "--oracle", "emulator:x.h5"], "error: give either --oracle or --theory"),
        ]
        for (args, expected) in cases {
            let run = try PDFEmuExecutable.run(["chi2", "--theory", Theory.path] + args)
            XCTAssertEqual(run.status, 1, args.joined(separator: " "))
            XCTAssertEqual(run.stderrLines.count, 1, run.stderr)
            XCTAssertTrue(run.stderr.hasPrefix(expected), "got \(run.stderr), expected \(expected)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output), "no partial output")
        }
        let bad = try PDFEmuExecutable.run(["chi2", "--theory", dir.path("nofk.h5"), "--input", input, "--output", output])
        XCTAssertEqual(bad.stderrLines, ["error: \(dir.path("nofk.h5")): no such file"])
        let stray = try PDFEmuExecutable.run(["chi2", "--oracle", "emulator:x.h5", "--q2-min", "5", "--input", input, "--output", output])
        XCTAssertEqual(stray.stderrLines, ["error: --fix, --free and --q2-min need --theory"])
    }

    /// Runs `pdfemu sample ARGS` twice into two files; checks both succeed, say `says`, and hold the same
    /// points. Returns the first file and its /parameters.
    func sampleTwice(_ dir: TemporaryDirectory, _ args: [String], says: String) throws -> (String, (shape: [Int], values: [Double])) {
        var read: [(shape: [Int], values: [Double])] = []
        for out in [dir.path("a.h5"), dir.path("b.h5")] {
            let run = try PDFEmuExecutable.run(["sample"] + args + ["--output", out])
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertTrue(run.stdout.contains(says), run.stdout)
            read.append(try HDF5File(open: out).read("/parameters"))
        }
        XCTAssertEqual(read[0].shape[1], 14)
        XCTAssertEqual(read[0].values, read[1].values, "the same seed gives the same points")
        return (dir.path("a.h5"), read[0])
    }

    func testSampleIsDeterministicAndScanRunsOnTheTheory() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (a, pa) = try sampleTwice(dir, ["--theory", Theory.path, "--n", "40", "--seed", "11"], says: "wrote 40 points (30 rays, 6 box, 4 Gaussian")
        let fa = try HDF5File(open: a)
        let ca: (shape: [Int], values: [Double]) = try fa.read("/chi2")
        let kinds: (shape: [Int], values: [Int32]) = try fa.read("/sample_kind")
        XCTAssertEqual(kinds.values.filter { $0 == 0 }.count, 30)
        for (c, k) in zip(ca.values, kinds.values) {
            XCTAssertGreaterThanOrEqual(c, 1306.018)
            if k == 0 { XCTAssertLessThanOrEqual(c, 1306.019 + 200, "ray points end at Δχ² ≤ 200") }
        }
        XCTAssertTrue(try fa.readStringAttribute("sampling_recipe").contains("t ~ U(0, 200.0)"))
        let badMix = try PDFEmuExecutable.run(["sample", "--theory", Theory.path, "--n", "4", "--mix", "0.5,0.6,0.1", "--output", dir.path("c.h5")])
        XCTAssertEqual(badMix.stderrLines, ["error: --mix: give three fractions (rays, box, Gaussian) adding up to 1, got 0.5,0.6,0.1"])
        // scan --theory: minimum and Hessian only, started from the sample's best point.
        let scan = try PDFEmuExecutable.run(["scan", "--theory", Theory.path, "--params", "none", "--starts-from", a, "--json"])
        XCTAssertEqual(scan.status, 0, scan.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as! [String: Any]
        let minimum = json["minimum"] as! [String: Any]
        XCTAssertEqual(minimum["chi2"] as! Double, 1306.018, accuracy: 0.01)
        let both = try PDFEmuExecutable.run(["scan", "--theory", Theory.path, "--emulator", "x.h5"])
        XCTAssertEqual(both.stderrLines, ["error: give either --emulator or --theory"])
    }

    /// The same recipe on an emulator writes the points only.
    func testSampleFromAnEmulatorWritesPointsOnly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let emulator = packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path
        let (a, pa) = try sampleTwice(dir, ["--emulator", emulator, "--n", "20", "--seed", "5"], says: "wrote 20 points (15 rays, 3 box, 2 Gaussian)")
        let fa = try HDF5File(open: a)
        XCTAssertFalse(fa.exists("/chi2"))
        XCTAssertEqual(try fa.readStringAttribute("emulator_sha256"), try SHA256.hex(file: emulator))
        // The emulated ray ends are where the emulator's Δχ² reaches its level: the exact χ² there is close.
        let emu = try Emulator.load(emulator)
        let kinds: (shape: [Int], values: [Int32]) = try fa.read("/sample_kind")
        let chi0 = Double(try fa.readStringAttribute("chi2_min_emulated"))!
        for i in 0..<20 where kinds.values[i] == 0 {
            let d = emu.value(at: Array(pa.values[(i * 14)..<((i + 1) * 14)])) - chi0
            XCTAssertTrue(d >= -1e-6 && d <= 200 + 1e-3, "emulated Δχ² \(d)")
        }
        let both = try PDFEmuExecutable.run(["sample", "--emulator", emulator, "--theory", Theory.path, "--n", "2", "--output", dir.path("c.h5")])
        XCTAssertEqual(both.stderrLines, ["error: give either --emulator or --theory"])
        let fix = try PDFEmuExecutable.run(["sample", "--emulator", emulator, "--fix", "Bg=0", "--n", "2", "--output", dir.path("c.h5")])
        XCTAssertEqual(fix.stderrLines, ["error: --fix needs --theory"])
        let two = try PDFEmuExecutable.run(["scan", "--emulator", emulator, "--free", "Bg", "--q2-min", "5"])
        XCTAssertEqual(two.stderrLines, ["error: --free and --q2-min need --theory"])
    }
}
