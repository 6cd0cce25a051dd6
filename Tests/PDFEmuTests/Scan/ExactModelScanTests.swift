import XCTest
@testable import PDFEmuCore
@testable import PDFEmuAnalysis
@testable import PDFEmuReport
import PDFEmuTestSupport

/// A model with only the differentiable part (no training region), as an exact χ² is: every scan
/// feature must work on it, and nothing may invent training data for it.
struct FunctionOnly: ScalarModel {
    func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
    let base: QuadraticModel
    var parameterNames: [String] { base.parameterNames }
    var experimentNames: [String] { base.experimentNames }
    var startingPoints: [[Double]] { base.bestTrainingPoints }
    func value(at t: [Double]) -> Double { base.value(at: t) }
    func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) { base.valueAndGradient(at: t) }
    func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        base.valueGradientHessian(at: t)
    }
    func prediction(at t: [Double]) -> Prediction { base.prediction(at: t) }
}

final class ExactModelScanTests: XCTestCase {
    func testEveryScanFeatureRunsOnAModelWithoutTrainingRegion() throws {
        let q = QuadraticModel(p: 4, quartic: 0.2)
        let exact = FunctionOnly(base: q)
        XCTAssertNil(exact.trainingRegion)
        XCTAssertNotNil(q.trainingRegion)
        var o = ScanOptions(tolerances: [1, 4], contours: [["p0", "p1"]], rays: 12, lagrangeExpressions: ["p0 - p2"])
        o.points = 15
        o.mcmc = ScanMCMCOptions(sampler: .hmc, chains: 1, walkers: 2, steps: 200, burnIn: 100, thin: 1, seed: 3, temperature2: 1)
        let a = try ScanRunner.run(model: exact, options: o)
        let b = try ScanRunner.run(model: q, options: o)
        // Same function, same answers: the training region only adds flags.
        XCTAssertEqual(a.minimum.chi2, b.minimum.chi2, accuracy: 1e-9)
        XCTAssertNil(a.minimum.domain)
        XCTAssertNil(a.minimum.sampleMinimum)
        XCTAssertNotNil(b.minimum.domain)
        XCTAssertEqual(a.profiles.count, 4)
        for (pa, pb) in zip(a.profiles, b.profiles) {
            for (ia, ib) in zip(pa.intervals, pb.intervals) {
                XCTAssertEqual(ia.lower ?? .nan, ib.lower ?? .nan, accuracy: 1e-7)
                XCTAssertEqual(ia.upper ?? .nan, ib.upper ?? .nan, accuracy: 1e-7)
            }
            XCTAssertTrue(pa.inside.allSatisfy { $0 }, "a model without a training region is never outside it")
        }
        XCTAssertEqual(a.contours.count, 1)
        XCTAssertEqual(a.lagrange.count, 1)
        XCTAssertEqual(a.mcmc?.combined.domainChecked, 0, "no training region: no domain check is claimed")
        // The HDF5 round trip keeps the absent training-region fields absent.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("exact-scan-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("scan.h5").path
        try a.write(to: path)
        let back = try ScanResult.read(path)
        XCTAssertNil(back.minimum.domain)
        XCTAssertNil(back.minimum.sampleMinimum)
        XCTAssertEqual(back.minimum.chi2, a.minimum.chi2)
        XCTAssertTrue(a.text().contains("exact model"))
    }

    func testAModelWithoutStartsOrRegionIsRefusedWithOneLine() {
        struct NoStart: ScalarModel {
            func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
            let parameterNames = ["x"]
            let experimentNames: [String] = []
            func value(at t: [Double]) -> Double { t[0] * t[0] }
            func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) { (t[0] * t[0], [2 * t[0]]) }
            func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
                (t[0] * t[0], [2 * t[0]], [2])
            }
            func prediction(at t: [Double]) -> Prediction { Prediction(value: t[0] * t[0], spread: 0, perExperiment: []) }
        }
        XCTAssertThrowsError(try ScanRunner.run(model: NoStart(), options: ScanOptions())) {
            XCTAssertEqual("\($0)", "minimisation: the model offers no starting point")
        }
    }
}
