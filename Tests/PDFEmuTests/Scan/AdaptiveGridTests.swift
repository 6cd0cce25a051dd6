import Foundation
import XCTest
@testable import PDFEmuCore
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

/// χ² = 100 + c·log(1 + x²/c) + (y − 0.3x)²: quadratic near the minimum (Hessian σ_x ≈ 1 after
/// profiling y), far flatter beyond, so the Hessian-based grid ends before the T² = 10 crossing
/// (exact: x = ±√(c(e^{10/c} − 1))).
struct FlatteningModel: ScalarModel {
    func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
    let c = 5.0
    let parameterNames = ["x", "y"]
    let experimentNames: [String] = []
    var startingPoints: [[Double]] { [[0.2, -0.1]] }
    func value(at t: [Double]) -> Double { valueGradientHessian(at: t).value }
    func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) {
        let r = valueGradientHessian(at: t); return (r.value, r.gradient)
    }
    func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let x = t[0], y = t[1], q = 1 + x * x / c, r = y - 0.3 * x
        let f = 100 + c * log(q) + r * r
        let gx = 2 * x / q - 0.6 * r, gy = 2 * r
        let hxx = (2 / q - 4 * x * x / (c * q * q)) + 0.18, hxy = -0.6, hyy = 2.0
        return (f, [gx, gy], [hxx, hxy, hxy, hyy])
    }
    func prediction(at t: [Double]) -> Prediction { Prediction(value: value(at: t), spread: 0, perExperiment: []) }
}

final class AdaptiveGridTests: XCTestCase {
    func testAdaptiveGridFollowsTheProfilePastTheHessianRange() throws {
        let model = FlatteningModel()
        var o = ScanOptions(profileParameters: ["x"], tolerances: [1, 10])
        o.points = 21
        let old = try ScanRunner.run(model: model, options: o)
        o.profileGrid = .adaptive
        let new = try ScanRunner.run(model: model, options: o)
        let exact10 = (model.c * (exp(10 / model.c) - 1)).squareRoot(), exact1 = (model.c * (exp(1 / model.c) - 1)).squareRoot()
        let hess = old.profiles[0], adapt = new.profiles[0]
        // The Hessian grid stops short of the T² = 10 crossings; the adaptive one finds both, refined.
        XCTAssertNil(hess.intervals[1].upper, "the old grid reaches x = \(hess.values.last!) < \(exact10)")
        XCTAssertEqual(try XCTUnwrap(adapt.intervals[1].upper), exact10, accuracy: 1e-3)
        XCTAssertEqual(try XCTUnwrap(adapt.intervals[1].lower), -exact10, accuracy: 1e-3)
        XCTAssertEqual(try XCTUnwrap(adapt.intervals[0].upper), exact1, accuracy: 1e-3)
        XCTAssertEqual(try XCTUnwrap(hess.intervals[0].upper), exact1, accuracy: 1e-3)
        XCTAssertTrue(adapt.intervals.allSatisfy(\.refined))
        XCTAssertLessThanOrEqual(adapt.values.count, o.points)
        XCTAssertEqual(adapt.values, adapt.values.sorted())
        // Each side passes max T² (with its margin) and no farther than one step.
        XCTAssertGreaterThan(adapt.deltaChi2.last!, 10); XCTAssertGreaterThan(adapt.deltaChi2.first!, 10)
        // The default keeps the old grid and the old run id.
        var d = ScanOptions(profileParameters: ["x"], tolerances: [1, 10])
        d.points = 21
        XCTAssertEqual(try ScanRunner.run(model: model, options: d).withoutTiming, old.withoutTiming)
        XCTAssertFalse(try Fmt.json(d).contains("profileGrid"))
    }
}
