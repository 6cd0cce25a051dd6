import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
import PDFEmuTestSupport

/// χ² = 100 + Σ_i a_i (θ_i − m_i)² in three parameters: the truth and, with a_0 2,000 times larger and m_0
/// moved, a guide too steep along θ_0 whose minimum is off the truth's.
struct DiagonalQuadratic: ScalarModel {
    var a: [Double]
    var m: [Double]
    var parameterNames: [String] { ["p0", "p1", "p2"] }
    let experimentNames: [String] = []

    func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        var v = 100.0, g = [Double](repeating: 0, count: 3), h = [Double](repeating: 0, count: 9)
        for i in 0..<3 {
            let d = t[i] - m[i]
            v += a[i] * d * d; g[i] = 2 * a[i] * d; h[i * 3 + i] = 2 * a[i]
        }
        return (v, g, h)
    }
    func value(at t: [Double]) -> Double { valueGradientHessian(at: t).value }
    func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) { let r = valueGradientHessian(at: t); return (r.value, r.gradient) }
    func prediction(at t: [Double]) -> Prediction { Prediction(value: value(at: t), spread: 0, perExperiment: []) }
    var startingPoints: [[Double]] { [m.map { $0 + 0.1 }] }
    func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
}

final class RefineTrueHessianTests: XCTestCase {
    /// The truth is flat along θ_0 (a_0 = 0.01, its minimum at θ_0 = 3); the guide is 2,000 times steeper there
    /// with its minimum at θ_0 = 0, where the true χ² is 0.09 above its minimum. In the guide's metrics and the
    /// answer's BFGS Hessian (the guide's until true gradients correct it) the predicted decrease at the
    /// guide's minimum is 0.00009 ≤ δ and both probes along its Newton step stay above χ² − δ, so without the
    /// true Hessian the minimum was certified there, 0.09 (9ε) off. With it the minimum is certified only at
    /// the truth's, within ε, with exact gradients and values only.
    func testMinimumIsCertifiedOnlyWhereTheTrueHessianAgrees() throws {
        let truth = DiagonalQuadratic(a: [0.01, 1, 1], m: [3, 0, 0])
        let guide = DiagonalQuadratic(a: [20, 1, 1], m: [0, 0, 0])
        let scan = try ScanRunner.run(model: guide, options: ScanOptions(profileParameters: ["p1"], tolerances: [1]))
        for mode in RefineGradients.allCases {
            let r = try Refiner(guide: guide, scan: scan, oracle: ModelOracle(truth, label: "truth"),
                                options: RefineOptions(budget: 2000, gradients: mode, maxIterations: 100)).run()
            let minimum = r.answers[0]
            XCTAssertEqual(minimum.status, .certified, "\(mode): \(minimum.note)")
            XCTAssertEqual(minimum.trueChi2, 100, accuracy: 0.01, "\(mode): certified \(minimum.trueChi2 - 100) above the true minimum")
            for end in r.answers.dropFirst() where end.status == .certified {
                // p1's profile: p1 = ±1 at Δχ² = 1, whatever θ_0 does.
                XCTAssertEqual(abs(end.exactValue!), 1, accuracy: 0.01, "\(mode): \(end.name)")
            }
        }
    }
}
