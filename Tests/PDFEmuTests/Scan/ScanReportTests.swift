import XCTest
@testable import PDFEmu
import PDFEmuTestSupport

final class ScanReportTests: XCTestCase {
    func testSummaryShowsHessianAndAsymmetricProfileErrorsPerLevel() throws {
        let m = BananaModel()
        let r = try ScanRunner.run(model: m, options: ScanOptions(tolerances: [1, 10], contours: [["x", "y"]], rays: 12,
                                                                  lagrangeExpressions: ["x + z"]))
        let text = ScanReport.text(r)
        if ProcessInfo.processInfo.environment["PDFEMU_SHOW_REPORT"] != nil { print(text) }
        XCTAssertTrue(text.contains("errors at Δχ² = 1 (T = 1)"), text)
        XCTAssertTrue(text.contains("errors at Δχ² = 10 (T = 3.162)"), text)
        // z's asymmetric profile interval at Δχ² = 1, as printed (relative to the best fit).
        let iv = r.profiles[2].intervals[0]
        let zLine = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("z ") })
        XCTAssertTrue(zLine.contains(Fmt.num(try XCTUnwrap(iv.lower) - 0.5, width: 0, digits: 4)), String(zLine))
        XCTAssertTrue(zLine.contains("+" + Fmt.num(try XCTUnwrap(iv.upper) - 0.5, width: 0, digits: 4)), String(zLine))
        XCTAssertTrue(text.contains("contour x, y"))
        XCTAssertTrue(text.contains("Lagrange scan q0: q = x + z"))
        XCTAssertTrue(text.contains("points/s"))
        let json = try Fmt.json(r)
        XCTAssertTrue(json.contains("\"deltaChi2\""))
    }
}
