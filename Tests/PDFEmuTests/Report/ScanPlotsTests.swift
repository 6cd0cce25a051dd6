import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import PDFEmuCore
@testable import PDFEmuAnalysis
@testable import PDFEmuReport
import PDFEmuTestSupport

/// `ScanPlots`: one SVG per profile, contour, Lagrange scan and MCMC marginal, written into a directory
/// created on demand; a missing parent directory is an error and nothing is written.
final class ScanPlotsTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("pdfemu-scanplots-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func texts(_ svg: String) throws -> [String] { try svgTexts(svg) }

    func testEveryUnitGetsALabelledPlot() throws {
        let m = QuadraticModel(p: 3, quartic: 0.1, boxSigmas: 1.5)
        var o = ScanOptions(tolerances: [1, 4], points: 11, contours: [["p0", "p2"]], rays: 12, lagrangeExpressions: ["p0 + p1"])
        o.mcmc = ScanMCMCOptions(steps: 100, burnIn: 30)
        let r = try ScanRunner.run(model: m, options: o)
        let target = dir.appendingPathComponent("plots").path
        let paths = try ScanPlots.write(r, to: target)
        let names = paths.map { URL(fileURLWithPath: $0).lastPathComponent }
        XCTAssertEqual(names, ["profile_p0.svg", "profile_p1.svg", "profile_p2.svg", "contour_p0_p2.svg", "lagrange_q0.svg",
                               "mcmc_p0.svg", "mcmc_p1.svg", "mcmc_p2.svg"])
        let profile = try texts(try String(contentsOfFile: target + "/profile_p1.svg", encoding: .utf8))
        XCTAssertTrue(profile.contains("Profile of p1"))
        XCTAssertTrue(profile.contains("Δχ² (profiled)"))
        XCTAssertTrue(profile.contains("Δχ² = 4"))
        XCTAssertTrue(profile.contains { $0.hasPrefix("Hessian parabola") })
        XCTAssertTrue(profile.contains("outside training domain"), "a ±1.5σ box: the T² = 4 profile leaves it")
        XCTAssertTrue(profile.contains { $0.hasPrefix("interval at Δχ² = 1") })
        let contour = try texts(try String(contentsOfFile: target + "/contour_p0_p2.svg", encoding: .utf8))
        XCTAssertTrue(contour.contains("Hessian ellipses") && contour.contains("Δχ² = 2.3") && contour.contains("p2"))
        let lagrange = try texts(try String(contentsOfFile: target + "/lagrange_q0.svg", encoding: .utf8))
        XCTAssertTrue(lagrange.contains("q0 = p0 + p1"), "\(lagrange)")
        let hist = try texts(try String(contentsOfFile: target + "/mcmc_p2.svg", encoding: .utf8))
        XCTAssertTrue(hist.contains { $0.hasPrefix("68% central") } && hist.contains("probability density (per unit of p2)"))
        // Writing again into the existing directory replaces the files.
        XCTAssertEqual(try ScanPlots.write(r, to: target).count, 8)
    }

    func testMissingParentOrAFileIsAnErrorAndNothingIsWritten() throws {
        let r = try ScanRunner.run(model: QuadraticModel(p: 2), options: ScanOptions(points: 5))
        let deep = dir.appendingPathComponent("no/such/plots").path
        XCTAssertThrowsError(try ScanPlots.write(r, to: deep)) { e in
            XCTAssertTrue(userMessage(e).contains("parent directory"), userMessage(e))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("no").path))
        let file = dir.appendingPathComponent("afile").path
        FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        XCTAssertThrowsError(try ScanPlots.write(r, to: file)) { e in
            XCTAssertTrue(userMessage(e).contains("not a directory"), userMessage(e))
        }
        XCTAssertEqual(ScanPlots.fileSafe("a/b c"), "a_b_c")
    }
}
