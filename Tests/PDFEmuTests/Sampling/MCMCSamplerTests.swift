import XCTest
@testable import PDFEmuCore
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

final class MCMCSamplerTests: XCTestCase {
    /// Correlated 2-D Gaussian: means, stds and correlation agree with the analytic values within
    /// 5 standard errors computed from the effective sample size.
    func testCorrelated2DGaussian() throws {
        let s1 = 0.5, s2 = 2.0, rho = 0.8
        let cov = [s1 * s1, rho * s1 * s2, rho * s1 * s2, s2 * s2]
        let model = try GaussianChi2Model(mu: [1, -3], covariance: cov)
        // Start deliberately off-centre and too narrow: burn-in must fix it.
        let start = MCMCStart.gaussian(centre: [1.5, -2], covariance: [0.01, 0, 0, 0.01], scale: 1)
        let r = try EnsembleSampler.run(model: model, start: start,
                                        options: MCMCOptions(walkers: 32, steps: 1500, burnIn: 300, seed: 7))
        try assertGaussianSamples(r, model: model, t2: 1)
        XCTAssertEqual(r.sampleCount, 32 * 1500)
        XCTAssertGreaterThan(r.acceptanceRate, 0.3)
        XCTAssertLessThan(r.acceptanceRate, 0.9)
        XCTAssertLessThan(r.maximumRHat, 1.05)
        // Lowest χ² is near the minimum; the outside fraction is 0 for an unbounded domain.
        XCTAssertLessThan(r.bestChi2 - model.chi2Min, 0.05)
        XCTAssertEqual(r.outsideDomainFraction, 0)
    }

    /// 5-D Gaussian with a non-trivial covariance, started from the Hessian at the minimum, at T² = 4:
    /// the sampled covariance must be T² × C.
    func testFiveDimensionalGaussianWithTemperature() throws {
        let p = 5
        // C = A Aᵀ + diag for a fixed A: correlated, well conditioned.
        let a: [Double] = [1.0, 0.3, -0.2, 0.0, 0.5,
                           0.0, 0.8, 0.4, -0.3, 0.1,
                           0.2, 0.0, 1.5, 0.2, -0.4,
                           -0.1, 0.5, 0.0, 0.6, 0.3,
                           0.4, -0.2, 0.1, 0.0, 0.9]
        var cov = [Double](repeating: 0, count: p * p)
        for i in 0..<p { for j in 0..<p { for k in 0..<p { cov[i * p + j] += a[i * p + k] * a[j * p + k] } }
            cov[i * p + i] += 0.05 }
        let mu = [0.1, 2.0, -1.0, 5.0, 0.0]
        let model = try GaussianChi2Model(mu: mu, covariance: cov)
        let h = model.valueGradientHessian(at: mu).hessian
        let start = try MCMCStart.hessian(centre: mu, chi2Hessian: h, temperature2: 4)
        var reports: [MCMCProgress] = []
        let r = try EnsembleSampler.run(model: model, start: start,
                                        options: MCMCOptions(walkers: 40, steps: 1500, burnIn: 200, seed: 11,
                                                             temperature2: 4)) { reports.append($0) }
        try assertGaussianSamples(r, model: model, t2: 4)
        XCTAssertEqual(reports.last?.step, 1700)
        XCTAssertEqual(reports.last?.fraction, 1)
        XCTAssertGreaterThanOrEqual(reports.count, 100)
        XCTAssertTrue(reports.first!.inBurnIn)
        // Sample χ² − χ²_min is T²·χ²₅ distributed: mean 5 T².
        let meanDelta = Stats.mean(r.chi2) - model.chi2Min
        XCTAssertEqual(meanDelta, 5 * 4, accuracy: 5 * 4 * 0.1)
    }

    /// Same seed ⇒ identical samples, serial or parallel; another seed ⇒ different samples.
    func testDeterministicAndThreadIndependent() throws {
        let model = try GaussianChi2Model(mu: [0, 0, 0], covariance: [1, 0.5, 0, 0.5, 1, 0, 0, 0, 2])
        let start = MCMCStart.gaussian(centre: [0, 0, 0], covariance: [1, 0, 0, 0, 1, 0, 0, 0, 1], scale: 0.5)
        var o = MCMCOptions(walkers: 12, steps: 200, burnIn: 20, thin: 3, seed: 42)
        let a = try EnsembleSampler.run(model: model, start: start, options: o)
        o.parallel = false
        let b = try EnsembleSampler.run(model: model, start: start, options: o)
        XCTAssertTrue(a.samples == b.samples && a.chi2 == b.chi2, "serial and parallel runs differ")
        XCTAssertEqual(a.sampleCount, 12 * 67)
        o.seed = 43
        let c = try EnsembleSampler.run(model: model, start: start, options: o)
        XCTAssertFalse(a.samples == c.samples)
    }

    /// Bounds: no sample leaves them, and the sampled χ² matches the model at every sample.
    func testBoundsRespected() throws {
        let model = try GaussianChi2Model(mu: [0, 0], covariance: [1, 0.3, 0.3, 1], lower: [-0.5, -10], upper: [10, 10])
        let o = MCMCOptions(walkers: 16, steps: 600, burnIn: 100, seed: 3, lower: [-0.5, -1], upper: [2, 1.5])
        let r = try EnsembleSampler.run(model: model, start: .startingPoints, options: o)
        for i in 0..<r.sampleCount {
            let x = r.sample(i)
            XCTAssertTrue(x[0] >= -0.5 && x[0] <= 2 && x[1] >= -1 && x[1] <= 1.5, "sample \(i) = \(x)")
            if i % 97 == 0 { XCTAssertEqual(r.chi2[i], model.value(at: x), accuracy: 1e-9) }
        }
        // The truncation at x0 = -0.5 shifts the mean of x0 to positive values; the domain box's lower
        // edge at -0.5 coincides with the bound, so nothing is outside the domain.
        XCTAssertGreaterThan(r.mean[0], 0.2)
        XCTAssertEqual(r.outsideDomainFraction, 0)
        XCTAssertTrue(r.warnings.allSatisfy { !$0.contains("training domain") })
    }

    /// Samples beyond the training box are counted and warned about.
    func testOutsideDomainFraction() throws {
        let model = try GaussianChi2Model(mu: [0, 0], covariance: [1, 0, 0, 1], lower: [-10, -10], upper: [0, 10])
        let r = try EnsembleSampler.run(model: model, start: .points([[-1, 0], [1, 1], [0.5, -1]]),
                                        options: MCMCOptions(walkers: 16, steps: 800, burnIn: 100, seed: 5))
        // Half of N(0,1) lies above 0.
        XCTAssertEqual(r.outsideDomainFraction, 0.5, accuracy: 0.12)
        XCTAssertEqual(r.outsideDomainFraction, r.outsideBoxFraction)
        XCTAssertTrue(r.warnings.contains { $0.contains("outside the training domain") })
        XCTAssertTrue(r.summaryText().contains("T² = 1"))
    }

    /// Works through an existential model, and the summary flags R̂ and chain-length problems.
    func testExistentialModelAndWarnings() throws {
        let model: any ScalarModel = try GaussianChi2Model(mu: [0, 0], covariance: [1, 0, 0, 1])
        var r = try EnsembleSampler.run(model: model, start: .startingPoints,
                                        options: MCMCOptions(walkers: 8, steps: 60, burnIn: 10, seed: 2))
        XCTAssertTrue(r.chainTooShort)
        XCTAssertTrue(r.warnings.contains { $0.contains("shorter than 50") })
        r.splitRHat = [1.2, 1.05]
        let w = r.warnings
        XCTAssertTrue(w.contains { $0.hasPrefix("warning: not converged") && $0.contains("p0 (1.200)") && !$0.contains("p1") })
        XCTAssertTrue(w.contains { $0.hasPrefix("warning: marginal convergence") && $0.contains("p1 (1.050)") })
        XCTAssertTrue(r.summaryText().contains("warning: not converged"))
    }

    func testInvalidOptionsThrowOneLine() throws {
        let model = try GaussianChi2Model(mu: [0, 0], covariance: [1, 0, 0, 1])
        let start = MCMCStart.gaussian(centre: [0, 0], covariance: [1, 0, 0, 1], scale: 1)
        XCTAssertThrowsError(try EnsembleSampler.run(model: model, start: start, options: MCMCOptions(walkers: 5))) {
            XCTAssertTrue(userMessage($0).contains("walkers"))
        }
        XCTAssertThrowsError(try EnsembleSampler.run(model: model, start: start, options: MCMCOptions(temperature2: 0))) {
            XCTAssertTrue(userMessage($0).contains("T²"))
        }
        XCTAssertThrowsError(try EnsembleSampler.run(model: model, start: .gaussian(centre: [0, 0], covariance: [1, 2, 2, 1], scale: 1))) {
            XCTAssertTrue(userMessage($0).contains("not positive definite"))
        }
        XCTAssertThrowsError(try EnsembleSampler.run(model: model, start: .points([[5, 5]]),
                                                     options: MCMCOptions(lower: [-1, -1], upper: [1, 1]))) {
            XCTAssertTrue(userMessage($0).contains("outside the bounds"))
        }
    }
}
