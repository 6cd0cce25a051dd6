import Foundation
import XCTest
@testable import PDFEmuNetwork
@testable import PDFEmuTheory
@testable import PDFEmuAnalysis
@testable import PDFEmuReport
import PDFEmuTestSupport

/// The project's closure test against the truth it ships: the bundled emulator's scan against the exact
/// scan of the bundled theory (`pdfemu compare` in-process), on the same options. Targets: χ²_min within
/// 0.1, best fit within 0.1 Hessian σ, every interval end within 5% of the exact half-width. The ends the
/// bundled emulator misses today are recorded with their measured errors in `theory_closure_gaps.json`;
/// the test fails if a met target is missed or a known gap grows by more than 5 points of the half-width.
/// (Four parameters keep the debug-build runtime modest: the hardest (gluon Bg, Agp) and two easy ones.)
final class TheoryClosureTests: XCTestCase {
    struct KnownGaps: Decodable { var ends: [String: Double] }

    func testBundledEmulatorAgainstTheExactScanOfTheBundledTheory() throws {
        var o = ScanOptions(profileParameters: ["Bg", "Cuv", "ADbar", "Agp"], tolerances: [1, 10],
                            ranges: ["Agp": ValueRange(lower: -0.2, upper: 1.6)])
        // The emulator knows the valley of the minimum only: both scans continue outward from it (two-sided, the
        // exact Bg profile takes a lower branch, Agp far outside the training region, beyond Bg ≈ 0.18).
        o.profileContinuation = .outward
        let theory = try FKChiSquare(file: try FKTheoryFile.read(packageRoot.appendingPathComponent("Datasets/hera_fk_nlo.h5").path))
        let emulator = try Emulator.load(packageRoot.appendingPathComponent("Datasets/hera14_emulator.h5").path)
        let exact = try ScanRunner.run(model: theory, options: o)
        let other = try ScanRunner.run(model: emulator, options: o)
        let cmp = try ScanComparison(exact: exact, other: other)
        print(cmp.text())
        let gapsURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("theory_closure_gaps.json")
        let gaps = try JSONDecoder().decode(KnownGaps.self, from: Data(contentsOf: gapsURL)).ends

        XCTAssertLessThanOrEqual(abs(cmp.deltaChi2Min), 0.1, "χ²_min: emulator − exact")
        for p in cmp.pulls { XCTAssertLessThanOrEqual(abs(p.pull ?? .infinity), 0.1, "best fit of \(p.parameter) in exact Hessian σ") }
        XCTAssertEqual(cmp.ends.count, 16)
        for e in cmp.ends {
            let key = "\(e.parameter) \(Int(e.tolerance)) \(e.side)"
            let err = e.relativeError.map(abs) ?? 1000
            if let known = gaps[key] {
                XCTAssertLessThanOrEqual(err, known + 0.05, "\(key): error \(err) of the half-width, worse than its known gap \(known)")
            } else {
                XCTAssertLessThanOrEqual(err, 0.05, "\(key): error \(err) of the half-width, target 5% (not a known gap)")
            }
        }
    }
}
