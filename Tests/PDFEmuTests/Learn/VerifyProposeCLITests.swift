import Foundation
import XCTest
@testable import PDFEmuIO
@testable import PDFEmuNetwork
@testable import PDFEmuTheory
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
import PDFEmuTestSupport

/// `pdfemu scan --verify` with the built-in theory, `pdfemu propose`, and their bad input.
final class VerifyProposeCLITests: XCTestCase {
    static let emulator = packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path
    static let theory = packageRoot.appendingPathComponent("Datasets/hera_fk_nlo.h5").path

    /// The same verification through an external command oracle (the protocol's files, a separate process:
    /// here `pdfemu chi2 --theory` run as the user's program) gives the same true values and verdicts.
    func testScanVerifyWithAnExternalCommandOracle() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let exe = try XCTUnwrap(PDFEmuExecutable.url).path
        let command = "\(exe) chi2 --theory \(Self.theory) --input {input} --output {output} --quiet"
        let base = ["scan", "--emulator", Self.emulator, "--params", "Cuv", "--points", "11", "--tolerance", "1"]
        let viaCommand = try PDFEmuExecutable.run(base + ["--verify", command, "--output", dir.path("cmd.h5")])
        XCTAssertEqual(viaCommand.status, 0, viaCommand.stderr)
        let inProcess = try PDFEmuExecutable.run(base + ["--verify", "fk:" + Self.theory, "--output", dir.path("fk.h5")])
        XCTAssertEqual(inProcess.status, 0, inProcess.stderr)
        let a = try XCTUnwrap(try Verification.read(dir.path("cmd.h5"))), b = try XCTUnwrap(try Verification.read(dir.path("fk.h5")))
        XCTAssertEqual(a.answers.map(\.name), b.answers.map(\.name))
        XCTAssertEqual(a.answers.map(\.certified), b.answers.map(\.certified))
        for (p, q) in zip(a.points, b.points) { XCTAssertEqual(p.trueChi2, q.trueChi2, accuracy: 1e-9 * q.trueChi2) }
    }

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
        let exact = try FKChiSquare.read(Self.theory)
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
