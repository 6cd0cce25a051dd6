import XCTest
@testable import PDFEmuCore
@testable import PDFEmuAnalysis
@testable import PDFEmuReport
import PDFEmuTestSupport

/// A model computed in single precision (as a Float32 network would be): values, gradients and
/// Hessians rounded to Float.
struct FloatRounded: ScalarModel, TrainingRegion {
    func whitened(_ theta: [Double]) -> [Double]? { nil }
    func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
    let base: QuadraticModel
    var parameterNames: [String] { base.parameterNames }
    var experimentNames: [String] { base.experimentNames }
    var sampleMinimum: Double { base.sampleMinimum }
    var bestTrainingPoints: [[Double]] { base.bestTrainingPoints }
    var trainingLower: [Double] { base.trainingLower }
    var trainingUpper: [Double] { base.trainingUpper }
    func value(at t: [Double]) -> Double { Double(Float(base.value(at: t))) }
    func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) {
        let r = valueGradientHessian(at: t); return (r.value, r.gradient)
    }
    func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let r = base.valueGradientHessian(at: t)
        return (Double(Float(r.value)), r.gradient.map { Double(Float($0)) }, r.hessian.map { Double(Float($0)) })
    }
    func prediction(at t: [Double]) -> Prediction { base.prediction(at: t) }
    func domain(at t: [Double]) -> DomainCheck { base.domain(at: t) }
}

/// χ² = 10 + (x + y)² + z²: flat along x − y, so H is singular at any minimum.
struct FlatModel: ScalarModel, TrainingRegion {
    func whitened(_ theta: [Double]) -> [Double]? { nil }
    func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
    let parameterNames = ["x", "y", "z"]
    let experimentNames: [String] = []
    let sampleMinimum = 10.0
    let bestTrainingPoints: [[Double]] = [[0.3, -0.1, 0.2]]
    let trainingLower = [-2.0, -2.0, -2.0]
    let trainingUpper = [2.0, 2.0, 2.0]
    func value(at t: [Double]) -> Double { 10 + (t[0] + t[1]) * (t[0] + t[1]) + t[2] * t[2] }
    func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) {
        let r = valueGradientHessian(at: t); return (r.value, r.gradient)
    }
    func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let s = 2 * (t[0] + t[1])
        return (value(at: t), [s, s, 2 * t[2]], [2, 2, 0, 2, 2, 0, 0, 0, 2])
    }
    func prediction(at t: [Double]) -> Prediction { Prediction(value: value(at: t), spread: 0, perExperiment: []) }
    func domain(at t: [Double]) -> DomainCheck {
        let inBox = (0..<3).allSatisfy { abs(t[$0]) <= 2 }
        return DomainCheck(inside: inBox, inBox: inBox, neighbourDistance: 0, radius: 0, maxTrainingRadius: 0)
    }
}

final class RobustnessTests: XCTestCase {
    func testSinglePrecisionModelConvergesAtItsPrecisionLimit() throws {
        let q = QuadraticModel(p: 14, quartic: 0.05)
        let m = FloatRounded(base: q)
        let r = try ScanRunner.run(model: m, options: ScanOptions(profileParameters: ["p0", "p5"], tolerances: [1, 10]))
        XCTAssertTrue(r.minimum.converged, r.minimum.status.rawValue)
        XCTAssertLessThan(r.minimum.evaluations, 60)
        let exact = try ScanRunner.run(model: q, options: ScanOptions(profileParameters: ["p0", "p5"], tolerances: [1, 10]))
        for (a, b) in zip(r.profiles, exact.profiles) {
            XCTAssertTrue(a.converged.allSatisfy { $0 })
            // A single-precision model stops at its rounding floor, which grows with the value: compare relatively.
            for k in a.values.indices { XCTAssertEqual(a.deltaChi2[k], b.deltaChi2[k], accuracy: 1e-3 * max(1, b.deltaChi2[k])) }
            for (ia, ib) in zip(a.intervals, b.intervals) {
                let s = q.sigma(a.index)
                XCTAssertEqual(try XCTUnwrap(ia.lower), try XCTUnwrap(ib.lower), accuracy: 2e-3 * s)
                XCTAssertEqual(try XCTUnwrap(ia.upper), try XCTUnwrap(ib.upper), accuracy: 2e-3 * s)
            }
        }
        let t = try XCTUnwrap(r.timing)
        XCTAssertLessThan(Double(t.modelEvaluations) / Double(t.profiledPoints), 8)
    }

    func testFlatDirectionGivesANotPositiveDefiniteWarningAndNoHessianErrors() throws {
        let r = try ScanRunner.run(model: FlatModel(), options: ScanOptions(profileParameters: ["z"], points: 11))
        XCTAssertFalse(r.hessian.positiveDefinite)
        XCTAssertTrue(r.hessian.warnings.contains { $0.contains("not positive definite") })
        XCTAssertTrue(r.hessian.sigma.allSatisfy { $0.isNaN })
        XCTAssertEqual(r.minimum.chi2, 10, accuracy: 1e-8)
        // z is still profiled, on a grid from the training span, and its profile is exactly z².
        let pz = r.profiles[0]
        for k in pz.values.indices { XCTAssertEqual(pz.deltaChi2[k], pz.values[k] * pz.values[k], accuracy: 1e-6) }
        XCTAssertTrue(r.text().contains("n/a"))
    }
}

final class FlatMergeTests: XCTestCase {
    /// Shards of a run whose covariance is undefined (NaN) still merge.
    func testShardsWithUndefinedCovarianceMerge() throws {
        var shards: [(source: String, result: ScanResult)] = []
        for k in 0..<2 {
            let r = try ScanRunner.run(model: FlatModel(), options: ScanOptions(profileParameters: ["z", "x"], points: 7,
                                                                                 shard: ShardSpec(index: k, count: 2)))
            shards.append((source: "s\(k)", result: r))
        }
        let merged = try ScanMerge.merge(shards)
        XCTAssertEqual(merged.profiles.map { $0.parameter }, ["x", "z"])
    }
}
