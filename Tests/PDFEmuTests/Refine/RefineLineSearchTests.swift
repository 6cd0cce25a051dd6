import XCTest
@testable import PDFEmuCore
@testable import PDFEmuIO
@testable import PDFEmuAnalysis
@testable import PDFEmuLearn
import PDFEmuTestSupport

/// The truth `BumpedQuadratic` plus κ·(u·(θ − μ))²: a guide whose valley is too narrow along u (its
/// Hessian too steep there by 2κ·uuᵀ), so that its Newton steps in the nuisance parameters fall short.
struct SteepenedQuadratic: ScalarModel {
    var truth = BumpedQuadratic()
    var kappa = 20.0
    var u = [0.0, 1.0, 1.0]
    var parameterNames: [String] { truth.parameterNames }
    let experimentNames: [String] = []

    func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        var (v, g, h) = truth.valueGradientHessian(at: t)
        var s = 0.0
        for i in 0..<3 { s += u[i] * (t[i] - truth.mu[i]) }
        v += kappa * s * s
        for i in 0..<3 {
            g[i] += 2 * kappa * s * u[i]
            for j in 0..<3 { h[i * 3 + j] += 2 * kappa * u[i] * u[j] }
        }
        return (v, g, h)
    }
    func value(at t: [Double]) -> Double { valueGradientHessian(at: t).value }
    func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) { let r = valueGradientHessian(at: t); return (r.value, r.gradient) }
    func prediction(at t: [Double]) -> Prediction { Prediction(value: value(at: t), spread: 0, perExperiment: []) }
    var startingPoints: [[Double]] { [truth.mu.map { $0 + 0.1 }] }
    func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
}

final class RefineLineSearchTests: XCTestCase {
    /// Exact gradients with a guide too steep along one nuisance direction: every answer is certified, each
    /// end within ε + δ of the closed form, in few evaluations — the nuisance phase's line search continues
    /// along a direction on which the true χ² still falls steeply (the guide's Newton steps fall short along u)
    /// instead of taking one short step per true gradient.
    func testSteepGuideNuisanceLineSearchCertifiesInFewGradients() throws {
        let guide = SteepenedQuadratic()
        let truth = guide.truth
        let s = try ScanRunner.run(model: guide, options: ScanOptions(tolerances: [1, 4]))
        let r = try Refiner(guide: guide, scan: s, oracle: ModelOracle(truth, label: "truth"),
                            options: RefineOptions(budget: 3000, gradients: .exact, maxIterations: 300)).run()
        XCTAssertEqual(r.certifiedCount, r.answers.count, r.answers.filter { $0.status != .certified }.map { "\($0.name): \($0.note)" }.joined(separator: "; "))
        XCTAssertEqual(r.answers[0].trueChi2, truth.chi0, accuracy: 0.01)
        for a in r.answers where a.kind == "profile" {
            let k = truth.parameterNames.firstIndex(of: a.parameter!)!
            let sigma = truth.inverseDiagonal(k).squareRoot()
            let exact = truth.mu[k] + (a.side == "lower" ? -1 : 1) * (a.tolerance * truth.inverseDiagonal(k)).squareRoot()
            XCTAssertEqual(a.exactValue!, exact, accuracy: 2 * (0.01 + 0.002) / (2 * a.tolerance.squareRoot() / sigma), a.name)
        }
        assertCertifiedEndsOnTheTruth(r, truth: truth, label: "steepened guide")
        XCTAssertLessThan(r.evaluations, 110, "measured 95 evaluations in 7 batches (129 in 10 with the box trust region)")
    }
}
