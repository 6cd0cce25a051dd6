import Foundation
import XCTest
import PDFEmu

/// χ²(θ) = χ²₀ + (θ−μ)ᵀ C⁻¹ (θ−μ): at T² = 1 the density exp(−χ²/2) is exactly N(μ, C).
/// The "training domain" is the box `lower…upper` (inside ⇔ inBox), so the outside fraction is checkable.
public struct GaussianChi2Model: ScalarModel, TrainingRegion {
    public func whitened(_ theta: [Double]) -> [Double]? { nil }
    public func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
    public let mu: [Double]
    public let covariance: [Double]
    public let precision: [Double]
    public let chi2Min: Double
    public let lower: [Double]
    public let upper: [Double]

    public init(mu: [Double], covariance: [Double], chi2Min: Double = 100, lower: [Double]? = nil, upper: [Double]? = nil) throws {
        self.mu = mu
        self.covariance = covariance
        self.precision = try XCTUnwrapOrThrow(BLAS.spdInverse(covariance, n: mu.count))
        self.chi2Min = chi2Min
        self.lower = lower ?? mu.map { $0 - 1e9 }
        self.upper = upper ?? mu.map { $0 + 1e9 }
    }

    public var p: Int { mu.count }
    public var parameterNames: [String] { (0..<p).map { "p\($0)" } }
    public var experimentNames: [String] { [] }
    public var sampleMinimum: Double { chi2Min }
    public var bestTrainingPoints: [[Double]] { [mu] }
    public var trainingLower: [Double] { lower }
    public var trainingUpper: [Double] { upper }

    public func value(at theta: [Double]) -> Double { valueAndGradient(at: theta).value }
    public func valueAndGradient(at theta: [Double]) -> (value: Double, gradient: [Double]) {
        let d = (0..<p).map { theta[$0] - mu[$0] }
        var v = chi2Min
        var g = [Double](repeating: 0, count: p)
        for i in 0..<p {
            var hd = 0.0
            for j in 0..<p { hd += precision[i * p + j] * d[j] }
            v += d[i] * hd
            g[i] = 2 * hd
        }
        return (v, g)
    }
    public func valueGradientHessian(at theta: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let (v, g) = valueAndGradient(at: theta)
        return (v, g, precision.map { 2 * $0 })
    }
    public func prediction(at theta: [Double]) -> Prediction { Prediction(value: value(at: theta), spread: 0, perExperiment: []) }
    public func domain(at theta: [Double]) -> DomainCheck {
        let inBox = (0..<p).allSatisfy { theta[$0] >= lower[$0] && theta[$0] <= upper[$0] }
        return DomainCheck(inside: inBox, inBox: inBox, neighbourDistance: inBox ? 0.5 : 2, radius: 0, maxTrainingRadius: 1)
    }
}

public struct MissingValue: Error {}
public func XCTUnwrapOrThrow<T>(_ x: T?) throws -> T {
    guard let x else { throw MissingValue() }
    return x
}

/// Checks means, stds, 68% widths and correlations of `r` against N(μ, T²·C) within 5 standard errors
/// derived from the effective sample size.
package func assertGaussianSamples(_ r: MCMCResult, model: GaussianChi2Model, t2: Double,
                   file: StaticString = #filePath, line: UInt = #line) throws {
    let p = model.p
    for j in 0..<p {
        let sigma = (t2 * model.covariance[j * p + j]).squareRoot()
        let ess = r.effectiveSampleSize[j]
        XCTAssertGreaterThan(ess, 300, "ESS of p\(j)", file: file, line: line)
        XCTAssertEqual(r.mean[j], model.mu[j], accuracy: 5 * sigma / ess.squareRoot(), "mean p\(j)", file: file, line: line)
        // Relative standard error of a std estimate ≈ 1/√(2 ESS).
        XCTAssertEqual(r.std[j] / sigma, 1, accuracy: 5 / (2 * ess).squareRoot(), "std p\(j)", file: file, line: line)
        // Central 68% interval of a Gaussian: μ ± σ.
        XCTAssertEqual(r.upper68[j] - r.lower68[j], 2 * sigma, accuracy: 2 * sigma * 8 / (2 * ess).squareRoot(),
                       "68% width p\(j)", file: file, line: line)
        for k in 0..<j {
            let truth = model.covariance[j * p + k] / (model.covariance[j * p + j] * model.covariance[k * p + k]).squareRoot()
            let corr = r.covariance[j * p + k] / (r.covariance[j * p + j] * r.covariance[k * p + k]).squareRoot()
            let essMin = min(ess, r.effectiveSampleSize[k])
            // Standard error of a correlation coefficient ≈ (1 − ρ²)/√ESS.
            XCTAssertEqual(corr, truth, accuracy: 5 * max(1 - truth * truth, 0.05) / essMin.squareRoot(),
                           "corr p\(j),p\(k)", file: file, line: line)
        }
    }
}

