import Foundation
@testable import PDFEmuCore
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

/// Analytic models with exactly known log Z = log ∫ π exp(−χ²/2) for a uniform box prior.
protocol ExactEvidenceModel: ScalarModel {
    var prior: UniformBoxPrior { get }
    /// The exact log Z for `prior`.
    var exactLogZ: Double { get }
}

extension ExactEvidenceModel {
    func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
}

private func phi(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

/// χ² = 20 + uᵀC⁻¹u in 3D, correlated; the box is ±12σ so truncation is below 1e-30:
/// log Z = −10 + (3/2)log 2π + ½ log det C − log V.
struct GaussianEvidenceModel: ExactEvidenceModel {
    let parameterNames = ["a", "b", "c"]
    let experimentNames: [String] = []
    let mu = [0.3, -1.0, 2.0]
    let cov = [0.04, 0.018, -0.01, 0.018, 0.09, 0.02, -0.01, 0.02, 0.25]
    var inv: [Double] { try! BLAS.spdInverse(cov, n: 3)! }
    var startingPoints: [[Double]] { [[0.2, -0.9, 1.8]] }
    var prior: UniformBoxPrior {
        var r: [String: ValueRange] = [:]
        for i in 0..<3 { let s = cov[i * 4].squareRoot(); r[parameterNames[i]] = ValueRange(lower: mu[i] - 12 * s, upper: mu[i] + 14 * s) }
        return UniformBoxPrior(ranges: r)
    }
    var exactLogZ: Double {
        let l = try! BLAS.cholesky(cov, n: 3)!
        let logDet = 2 * (0..<3).reduce(0.0) { $0 + log(l[$1 * 3 + $1]) }
        let v = (0..<3).reduce(0.0) { $0 + log(26 * cov[$1 * 4].squareRoot()) }
        return -10 + 1.5 * log(2 * Double.pi) + 0.5 * logDet - v
    }
    func value(at t: [Double]) -> Double { valueGradientHessian(at: t).value }
    func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) { let r = valueGradientHessian(at: t); return (r.value, r.gradient) }
    func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let w = inv
        let u = (0..<3).map { t[$0] - mu[$0] }
        var f = 20.0, g = [0.0, 0, 0]
        for i in 0..<3 { for j in 0..<3 { f += u[i] * w[i * 3 + j] * u[j]; g[i] += 2 * w[i * 3 + j] * u[j] } }
        return (f, g, w.map { 2 * $0 })
    }
    func prediction(at t: [Double]) -> Prediction { Prediction(value: value(at: t), spread: 0, perExperiment: []) }
}

/// The banana χ² = ((x−1)/a)² + ((y−x²)/b)² on a box: the y integral is exact (normal CDF), the x
/// integral by composite Simpson on 20001 points.
struct BananaEvidenceModel: ExactEvidenceModel {
    let parameterNames = ["x", "y"]
    let experimentNames: [String] = []
    let a = 0.6, b = 0.25
    let lo = [-2.0, -2.0], hi = [4.0, 12.0]
    var startingPoints: [[Double]] { [[0.8, 0.7]] }
    var prior: UniformBoxPrior { UniformBoxPrior(ranges: ["x": ValueRange(lower: lo[0], upper: hi[0]), "y": ValueRange(lower: lo[1], upper: hi[1])]) }
    var exactLogZ: Double {
        let n = 20000
        let h = (hi[0] - lo[0]) / Double(n)
        var s = 0.0
        for k in 0...n {
            let x = lo[0] + Double(k) * h
            let inner = b * (2 * Double.pi).squareRoot() * (phi((hi[1] - x * x) / b) - phi((lo[1] - x * x) / b))
            let f = exp(-0.5 * pow((x - 1) / a, 2)) * inner
            s += f * (k == 0 || k == n ? 1 : (k % 2 == 1 ? 4 : 2))
        }
        return log(s * h / 3) - log((hi[0] - lo[0]) * (hi[1] - lo[1]))
    }
    func value(at t: [Double]) -> Double { valueGradientHessian(at: t).value }
    func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) { let r = valueGradientHessian(at: t); return (r.value, r.gradient) }
    func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let (x, y) = (t[0], t[1])
        let r = y - x * x
        let f = pow((x - 1) / a, 2) + pow(r / b, 2)
        let g = [2 * (x - 1) / (a * a) - 4 * x * r / (b * b), 2 * r / (b * b)]
        let hxy = -4 * x / (b * b)
        return (f, g, [2 / (a * a) + (8 * x * x - 4 * r) / (b * b), hxy, hxy, 2 / (b * b)])
    }
    func prediction(at t: [Double]) -> Prediction { Prediction(value: value(at: t), spread: 0, perExperiment: []) }
}

/// Two isotropic Gaussian modes in 2D: exp(−χ²/2) = Σ_c w_c exp(−|θ−μ_c|²/(2s_c²)); Z over the box is a
/// product of normal CDFs per component and axis.
struct TwoModeEvidenceModel: ExactEvidenceModel {
    let parameterNames = ["x", "y"]
    let experimentNames: [String] = []
    let mus = [[0.0, 0.0], [2.0, 1.0]]
    let s = [0.3, 0.5]
    let w = [1.0, 0.6]
    let lo = [-2.0, -2.0], hi = [4.0, 3.0]
    var startingPoints: [[Double]] { [[0.1, -0.1], [1.8, 1.2], [1.0, 0.5]] }
    var prior: UniformBoxPrior { UniformBoxPrior(ranges: ["x": ValueRange(lower: lo[0], upper: hi[0]), "y": ValueRange(lower: lo[1], upper: hi[1])]) }
    var exactLogZ: Double {
        var z = 0.0
        for c in 0..<2 {
            var term = w[c]
            for i in 0..<2 { term *= s[c] * (2 * Double.pi).squareRoot() * (phi((hi[i] - mus[c][i]) / s[c]) - phi((lo[i] - mus[c][i]) / s[c])) }
            z += term
        }
        return log(z) - log((hi[0] - lo[0]) * (hi[1] - lo[1]))
    }
    func value(at t: [Double]) -> Double { valueGradientHessian(at: t).value }
    func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) { let r = valueGradientHessian(at: t); return (r.value, r.gradient) }
    func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        var S = 0.0, gS = [0.0, 0], hS = [0.0, 0, 0, 0]
        for c in 0..<2 {
            let u = [t[0] - mus[c][0], t[1] - mus[c][1]]
            let s2 = s[c] * s[c]
            let e = w[c] * exp(-0.5 * (u[0] * u[0] + u[1] * u[1]) / s2)
            S += e
            for i in 0..<2 {
                gS[i] += -e * u[i] / s2
                for j in 0..<2 { hS[i * 2 + j] += e * (u[i] * u[j] / (s2 * s2) - (i == j ? 1 / s2 : 0)) }
            }
        }
        let g = gS.map { -2 * $0 / S }
        var h = [0.0, 0, 0, 0]
        for i in 0..<2 { for j in 0..<2 { h[i * 2 + j] = -2 * (hS[i * 2 + j] / S - gS[i] * gS[j] / (S * S)) } }
        return (-2 * log(S), g, h)
    }
    func prediction(at t: [Double]) -> Prediction { Prediction(value: value(at: t), spread: 0, perExperiment: []) }
}
