import Foundation
import XCTest
@testable import PDFEmuIO
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
@testable import PDFEmuReport
import PDFEmuTestSupport

/// `scan --lagrange EXPR --refine ORACLE` on the bundled emulator with the built-in theory as the truth:
/// the Lagrange ends certified where the exact Lagrange scan (`scan --theory`) puts them, in the summary,
/// JSON, output file and plot; a second run with the same state asks for no point again. Contour vertices on
/// request, the same way.
final class LagrangeRefineCLITests: XCTestCase {
    let emulator = packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path
    let theoryFile = packageRoot.appendingPathComponent("Datasets/hera_fk_nlo.h5").path
    let common = ["--params", "none", "--lagrange", "Buv - Bdv", "--tolerance", "1", "--bound", "Bg=-0.5:2"]

    func testLagrangeEndsMatchTheExactLagrangeScan() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let exact = try PDFEmuExecutable.run(["scan", "--theory", theoryFile] + common + ["--output", dir.path("exact.h5")])
        XCTAssertEqual(exact.status, 0, exact.stderr)
        let truth = try XCTUnwrap(try ScanResult.read(dir.path("exact.h5")).lagrange.first)
        let args = ["scan", "--emulator", emulator] + common + ["--refine", "fk:" + theoryFile, "--refine-gradients", "exact",
                                                                "--refine-state", dir.path("state"), "--json"]
        let run = try PDFEmuExecutable.run(args + ["--output", dir.path("refined.h5"), "--plot", dir.path("plots")])
        XCTAssertEqual(run.status, 0, run.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let refine = try XCTUnwrap(json["refine"] as? [String: Any])
        let answers = try XCTUnwrap(refine["answers"] as? [[String: Any]])
        let ends = answers.filter { $0["kind"] as? String == "lagrange" }
        XCTAssertEqual(ends.map { $0["name"] as? String }, ["lagrange/q0 T2=1 lower", "lagrange/q0 T2=1 upper"])
        // Δχ² within ε + δ of T² means q within (ε + δ)/slope, slope 2T/σ_q at the end (σ_q ≈ 0.087).
        let tol = 2 * (0.01 + 0.002) / (2 / truth.sigma)
        for e in ends {
            XCTAssertEqual(e["status"] as? String, "certified", "\(e)")
            let iv = try XCTUnwrap(truth.intervals.first)
            let want = try XCTUnwrap(e["side"] as? String == "lower" ? iv.lower : iv.upper)
            XCTAssertEqual(try XCTUnwrap(e["exactValue"] as? Double), want, accuracy: tol, "\(e["name"]!)")
        }
        // The refined file carries them in /lagrange/q0 and /refine; the plot marks them.
        let file = try ScanResult.read(dir.path("refined.h5"))
        let stored = try XCTUnwrap(try RefineResult.read(dir.path("refined.h5")))
        for a in stored.answers where a.kind == "lagrange" {
            let iv = try XCTUnwrap(file.lagrange[0].intervals.first { $0.tolerance == a.tolerance })
            XCTAssertEqual(a.side == "lower" ? iv.lower : iv.upper, a.exactValue, a.name)
        }
        let texts = try svgTexts(String(contentsOfFile: dir.path("plots/lagrange_q0.svg"), encoding: .utf8))
        XCTAssertTrue(texts.contains(ScanPlots.exactEndsLabel), texts.joined(separator: " | "))
        // Resumed from the state: every point is read back, none asked again.
        let again = try PDFEmuExecutable.run(args)
        XCTAssertEqual(again.status, 0, again.stderr)
        let r2 = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])?["refine"] as? [String: Any])
        XCTAssertEqual(r2["evaluations"] as? Int, 0)
        XCTAssertEqual(r2["reused"] as? Int, refine["evaluations"] as? Int)
    }

    /// `--refine-contour-vertices K`: K vertices per level certified on the true χ², each on its ray from the
    /// refined minimum (in the pair's Hessian σ units), in the JSON and /refine; an odd K is one line naming
    /// the flag, nothing written.
    func testContourVerticesOnRequest() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let out = dir.path("o.h5")
        let args = ["scan", "--emulator", emulator, "--params", "none", "--contour", "Buv,Bdv", "--levels", "2.3", "--bound", "Bg=-0.5:2",
                    "--refine", "fk:" + theoryFile, "--refine-gradients", "exact", "--output", out]
        try PDFEmuExecutable.expectOneLineError(args + ["--refine-contour-vertices", "3"], containing: "--refine-contour-vertices: must be an even number",
                                                absent: [out])
        let run = try PDFEmuExecutable.run(args + ["--refine-contour-vertices", "4", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let stored = try XCTUnwrap(try RefineResult.read(out))
        let vertices = stored.answers.filter { $0.kind == "contour" }
        XCTAssertEqual(vertices.map(\.name), (0..<4).map { "contour/Buv__Bdv T2=2.3 ray \($0)" })
        let scan = try ScanResult.read(out)
        let (a, b) = (scan.parameterNames.firstIndex(of: "Buv")!, scan.parameterNames.firstIndex(of: "Bdv")!)
        let sa = try XCTUnwrap(scan.hessian.sigma(ofParameter: a)), sb = try XCTUnwrap(scan.hessian.sigma(ofParameter: b))
        let centre = stored.answers[0].theta
        for (j, v) in vertices.enumerated() {
            XCTAssertEqual(v.status, .certified, v.note)
            XCTAssertLessThanOrEqual(abs(v.error), 0.01)
            let phi = 2 * Double.pi * Double(j) / 4
            let u = ((v.theta[a] - centre[a]) / sa, (v.theta[b] - centre[b]) / sb)
            XCTAssertEqual(u.0 * sin(phi) - u.1 * cos(phi), 0, accuracy: 1e-9, v.name)
            XCTAssertEqual(u.0 * cos(phi) + u.1 * sin(phi), try XCTUnwrap(v.exactValue), accuracy: 1e-9, v.name)
            XCTAssertEqual(try XCTUnwrap(v.emulatorValue), try XCTUnwrap(v.exactValue), accuracy: 0.1 * v.exactValue!, "the emulator's vertex is near")
        }
    }
}
