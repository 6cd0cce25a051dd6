import Foundation
import XCTest
@testable import PDFEmu
import PDFEmuTestSupport

/// `pdfemu scan --verify` with the built-in theory, `pdfemu propose`, and their bad input.
final class VerifyProposeCLITests: XCTestCase {
    static let emulator = packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path
    static let theory = packageRoot.appendingPathComponent("Datasets/hera_fk_nlo.h5").path

    func testScanVerifyWithTheTheoryWritesSummaryJSONAndGroup() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let base = ["scan", "--emulator", Self.emulator, "--params", "Bg", "--points", "11", "--tolerance", "1,10",
                    "--verify", "fk:" + Self.theory]
        let r = try PDFEmuExecutable.run(base + ["--output", dir.path("v.h5"), "--plot", dir.path("plots")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Verification against fk:"), r.stdout)
        let v = try XCTUnwrap(try Verification.read(dir.path("v.h5")))
        XCTAssertEqual(v.answers.map(\.name), ["minimum", "profile/Bg T2=1 lower", "profile/Bg T2=1 upper",
                                               "profile/Bg T2=10 lower", "profile/Bg T2=10 upper"])
        // The true values are the theory's, at the stored points.
        let exact = try FKChiSquare.load(Self.theory)
        for p in v.points { XCTAssertEqual(p.trueChi2, exact.value(at: p.theta), accuracy: 1e-8 * p.trueChi2) }
        for a in v.answers { XCTAssertEqual(r.stdout.contains("\(a.name) "), true) }
        XCTAssertTrue(try String(contentsOfFile: dir.path("plots/profile_Bg.svg"), encoding: .utf8).contains("true Δχ²"))
        let j = try PDFEmuExecutable.run(base + ["--json"])
        XCTAssertEqual(j.status, 0, j.stderr)
        let obj = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as! [String: Any]
        XCTAssertNotNil(obj["minimum"]); XCTAssertNotNil(obj["verification"])
        // Bad input: one line, exit ≠ 0.
        for (args, expect) in [(["--verify-epsilon", "0,0"], "--verify-epsilon"), (["--verify", "nope:x"], "unknown oracle scheme")] {
            var a = ["scan", "--emulator", Self.emulator, "--params", "Bg", "--points", "11"]
            if !args.contains("--verify") { a += ["--verify", "fk:" + Self.theory] }
            let e = try PDFEmuExecutable.run(a + args)
            XCTAssertNotEqual(e.status, 0)
            XCTAssertEqual(e.stderrLines.count, 1, e.stderr)
            XCTAssertTrue(e.stderr.contains(expect), e.stderr)
        }
        let e = try PDFEmuExecutable.run(["scan", "--emulator", Self.emulator, "--verify-epsilon", "0.1"])
        XCTAssertTrue(e.stderr.contains("need --verify"), e.stderr)
    }

    func testProposeWritesAnOraclePointsFileAvoidingTheTrainingPoints() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let r = try PDFEmuExecutable.run(["propose", "--emulator", Self.emulator, "--params", "Bg,Cg", "--points", "11",
                                          "--tolerance", "1,10", "--n", "40", "--seed", "2", "--output", dir.path("next.h5")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("proposed 40 points"), r.stdout)
        let pts = try OraclePoints.read(dir.path("next.h5"))
        XCTAssertEqual(pts.count, 40)
        let emu = try Emulator.load(Self.emulator)
        XCTAssertEqual(pts.parameterNames, emu.parameterNames)
        // The points go straight to an oracle.
        let out = try TheoryOracle(path: Self.theory).evaluate(pts)
        XCTAssertEqual(out.count, 40)
        let bad = try PDFEmuExecutable.run(["propose", "--emulator", Self.emulator, "--n", "0", "--output", dir.path("x.h5")])
        XCTAssertEqual(bad.status, 1); XCTAssertEqual(bad.stderrLines, ["error: --n: must be > 0, got 0"])
    }
}
