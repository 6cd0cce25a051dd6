import XCTest
@testable import PDFEmuCore
@testable import PDFEmuNetwork
@testable import PDFEmuAnalysis
@testable import PDFEmuReport
import PDFEmuTestSupport

final class ScanReportTests: XCTestCase {
    func testSummaryShowsHessianAndAsymmetricProfileErrorsPerLevel() throws {
        let m = BananaModel()
        let r = try ScanRunner.run(model: m, options: ScanOptions(tolerances: [1, 10], contours: [["x", "y"]], rays: 12,
                                                                  lagrangeExpressions: ["x + z"]))
        let text = r.text()
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

    /// The scan summary says what the spread at the minimum is: a single network has none (no "±0"),
    /// the bundled 3-member emulator's is uncalibrated; the HDF5 result keeps it.
    func testSummarySaysWhatTheSpreadIs() throws {
        let dir = TempDir()
        try SyntheticScan.write(dir.file("scan.h5"), n: 600)
        let cfg = try FitConfig.read(SyntheticScan.writeConfig(dir, SyntheticScan.config(scan: dir.file("scan.h5"), output: dir.file("one.h5"),
                                                                                         epochs: 2, hidden: "[8]")))
        let one = try FitRunner.run(config: cfg, options: FitOptions(output: dir.file("one.h5"))).emulator
        let r = try ScanRunner.run(model: one, options: ScanOptions(profileParameters: ["a"], points: 5))
        XCTAssertEqual(r.minimum.spreadStatus, .singleMember)
        let text = r.text()
        XCTAssertTrue(text.contains("no ensemble spread: 1 member"), text)
        XCTAssertFalse(text.contains("spread at the minimum ±"), text)
        try r.write(to: dir.file("scan_out.h5"))
        XCTAssertEqual(try ScanResult.read(dir.file("scan_out.h5")).minimum.spreadStatus, .singleMember)

        let bundled = try Emulator.load(packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path)
        let b = try ScanRunner.run(model: bundled, options: ScanOptions(profileParameters: [bundled.parameterNames[0]], points: 5))
        XCTAssertEqual(b.minimum.spreadStatus, bundled.members.count > 1 ? .uncalibrated : .singleMember)
        if bundled.members.count > 1 { XCTAssertTrue(b.text().contains("uncalibrated ensemble spread at the minimum ±"), b.text()) }
    }
}
