import Foundation
import XCTest
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

/// The scan machinery on the exact χ², against MINUIT (iminuit) on the same χ²
/// (../shared/datasets/hera14_reference.json).
final class TheoryScanTests: XCTestCase {
    func testExactScanMatchesMinuitMinimumAndProfileRoots() throws {
        try Theory.require(Theory.minuitPath)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Theory.minuitPath))) as! [String: Any]
        let minimum = json["minimum"] as! [String: Any]
        let chi2Min = minimum["chi2_min"] as! Double
        let minos = json["minos"] as! [String: Any]
        // A few parameters keep the debug-build runtime modest; the CLI figure covers all 14. The
        // default 41-point grid: coarser grids let the warm-started profile jump into another valley
        // (the χ² has other local minima, see shared/datasets/README.md), as MINUIT's would.
        let params = ["Bg", "Cuv", "ADbar"]
        var o = ScanOptions(profileParameters: params, tolerances: [1, 10])
        // MINOS's profile is the valley of the minimum: continued outward only (two-sided, the upper Δχ² = 10
        // end of Bg is open: a lower branch, Agp far off, stays below Δχ² = 10 beyond Bg ≈ 0.18).
        o.profileContinuation = .outward
        let model = Theory.chi2   // starts from the HERAPDF2.0-like values, not from MINUIT's answer
        XCTAssertNil(model.trainingRegion)
        let result = try ScanRunner.run(model: model, options: o)
        print("exact scan: χ²_min = \(result.minimum.chi2) (MINUIT \(chi2Min))")
        XCTAssertTrue(result.minimum.converged)
        XCTAssertEqual(result.minimum.chi2, chi2Min, accuracy: 0.01)
        for prof in result.profiles {
            for iv in prof.intervals {
                let level = iv.tolerance == 1 ? "dchi2_1" : "dchi2_10"
                let ref = ((minos[level] as! [String: Any])["params"] as! [String: Any])[prof.parameter] as! [String: Any]
                let lo = ref["lower_profile_root"] as! Double, hi = ref["upper_profile_root"] as! Double
                let half = 0.5 * (hi - lo)
                let ours = (try XCTUnwrap(iv.lower, "\(prof.parameter) T² = \(iv.tolerance): lower end open"),
                            try XCTUnwrap(iv.upper, "\(prof.parameter) T² = \(iv.tolerance): upper end open"))
                print("  \(prof.parameter) Δχ² = \(iv.tolerance): [\(ours.0), \(ours.1)] vs MINUIT [\(lo), \(hi)]: "
                      + "errors \(abs(ours.0 - lo) / half), \(abs(ours.1 - hi) / half) of the half-width")
                XCTAssertEqual(ours.0, lo, accuracy: 0.01 * half, "\(prof.parameter) lower at Δχ² = \(iv.tolerance)")
                XCTAssertEqual(ours.1, hi, accuracy: 0.01 * half, "\(prof.parameter) upper at Δχ² = \(iv.tolerance)")
            }
        }
    }
}
