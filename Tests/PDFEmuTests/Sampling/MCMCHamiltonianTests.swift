import XCTest
@testable import PDFEmuCore
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

final class MCMCHamiltonianTests: XCTestCase {
    func fiveD() throws -> GaussianChi2Model {
        let p = 5
        let a: [Double] = [1.0, 0.3, -0.2, 0.0, 0.5, 0.0, 0.8, 0.4, -0.3, 0.1, 0.2, 0.0, 1.5, 0.2, -0.4,
                           -0.1, 0.5, 0.0, 0.6, 0.3, 0.4, -0.2, 0.1, 0.0, 0.9]
        var cov = [Double](repeating: 0, count: p * p)
        for i in 0..<p { for j in 0..<p { for k in 0..<p { cov[i * p + j] += a[i * p + k] * a[j * p + k] } }
            cov[i * p + i] += 0.05 }
        return try GaussianChi2Model(mu: [0.1, 2.0, -1.0, 5.0, 0.0], covariance: cov)
    }

    /// HMC on the 5-D Gaussian at T² = 4, started from a deliberately wrong (diagonal, too small) metric:
    /// moments within ESS-derived tolerances, step size adapted, no divergences.
    func testFiveDimensionalGaussian() throws {
        let model = try fiveD()
        let start = MCMCStart.gaussian(centre: model.mu, covariance: (0..<25).map { $0 % 6 == 0 ? 0.5 : 0 }, scale: 1)
        var last: MCMCProgress?
        let r = try HamiltonianSampler.run(model: model, start: start,
                                           options: MCMCOptions(walkers: 4, steps: 1500, burnIn: 300, seed: 21, temperature2: 4)) {
            last = $0
        }
        XCTAssertEqual(r.method, .hmc)
        XCTAssertEqual(last?.fraction, 1)
        XCTAssertEqual(r.sampleCount, 4 * 1500)
        XCTAssertEqual(r.divergences, 0)
        XCTAssertEqual(r.acceptanceRate, 0.8, accuracy: 0.12)
        XCTAssertLessThan(r.maximumRHat, 1.05)
        try assertGaussianSamples(r, model: model, t2: 4)
        XCTAssertTrue(r.summaryText().contains("Hamiltonian Monte Carlo"))
    }

    func testDeterministicAndThreadIndependent() throws {
        let model = try fiveD()
        let h = model.valueGradientHessian(at: model.mu).hessian
        let start = try MCMCStart.hessian(centre: model.mu, chi2Hessian: h)
        var o = MCMCOptions(walkers: 3, steps: 100, burnIn: 50, seed: 8)
        let a = try HamiltonianSampler.run(model: model, start: start, options: o)
        o.parallel = false
        let b = try HamiltonianSampler.run(model: model, start: start, options: o)
        // Bit-identical samples (compared without printing them all on failure).
        XCTAssertTrue(a.samples == b.samples && a.chi2 == b.chi2 && a.hmcStepSize == b.hmcStepSize)
        o.seed = 9
        XCTAssertFalse(try HamiltonianSampler.run(model: model, start: start, options: o).samples == a.samples)
    }

    func testBoundsAndStartChecks() throws {
        let model = try GaussianChi2Model(mu: [0, 0], covariance: [1, 0.3, 0.3, 1])
        let start = MCMCStart.gaussian(centre: [0.5, 0], covariance: [1, 0.3, 0.3, 1], scale: 0.3)
        let r = try HamiltonianSampler.run(model: model, start: start,
                                           options: MCMCOptions(walkers: 2, steps: 500, burnIn: 100, seed: 1,
                                                                lower: [0, -1], upper: [2, 1]))
        for i in 0..<r.sampleCount {
            let x = r.sample(i)
            XCTAssertTrue(x[0] >= 0 && x[0] <= 2 && x[1] >= -1 && x[1] <= 1)
        }
        XCTAssertThrowsError(try HamiltonianSampler.run(model: model, start: .startingPoints)) {
            XCTAssertTrue(userMessage($0).contains("Gaussian start"))
        }
    }
}
