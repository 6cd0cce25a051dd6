import Foundation
@testable import PDFEmuCore
@testable import PDFEmuNetwork
@testable import PDFEmuAnalysis
import PDFEmuTestSupport

private func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

/// An analytic χ² in 14–16 dimensions with its exact log Z = log ∫ π exp(−χ²/2) for a uniform box prior.
/// Gradients are exact; the Hessian is the central difference of the gradient.
protocol HighDimensionalEvidenceModel: ScalarModel {
    var lower: [Double] { get }
    var upper: [Double] { get }
    /// The exact log Z for the box [lower, upper].
    var exactLogZ: Double { get }
    func gradient(at t: [Double]) -> [Double]
}

extension HighDimensionalEvidenceModel {
    var experimentNames: [String] { [] }
    var parameterNames: [String] { (0..<lower.count).map { "p\($0)" } }
    var box: PriorBox { PriorBox(lower: lower, upper: upper) }
    var prior: UniformBoxPrior {
        UniformBoxPrior(ranges: Dictionary(uniqueKeysWithValues: lower.indices.map { (parameterNames[$0], ValueRange(lower: lower[$0], upper: upper[$0])) }))
    }
    var logVolume: Double { zip(lower, upper).reduce(0) { $0 + log($1.1 - $1.0) } }
    func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) { (value(at: t), gradient(at: t)) }
    func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let n = t.count, h = 1e-5
        var hess = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var a = t, b = t
            a[j] += h; b[j] -= h
            let ga = gradient(at: a), gb = gradient(at: b)
            for i in 0..<n { hess[i * n + j] = (ga[i] - gb[i]) / (2 * h) }
        }
        for i in 0..<n { for j in 0..<i { let m = 0.5 * (hess[i * n + j] + hess[j * n + i]); hess[i * n + j] = m; hess[j * n + i] = m } }
        return (value(at: t), gradient(at: t), hess)
    }
    func prediction(at t: [Double]) -> Prediction { Prediction(value: value(at: t), spread: 0, perExperiment: []) }
    /// ∫ f over [a, b] by composite Simpson on 20001 points.
    static func simpson(_ a: Double, _ b: Double, _ f: (Double) -> Double) -> Double {
        let n = 20000
        let h = (b - a) / Double(n)
        var s = 0.0
        for k in 0...n { s += f(a + Double(k) * h) * (k == 0 || k == n ? 1 : (k % 2 == 1 ? 4 : 2)) }
        return s * h / 3
    }
}

/// χ² = 30 + uᵀC⁻¹u in 16D, u = θ − μ, C = R·diag(σ²)·Rᵀ with σ from 0.02 to 1 (log-spaced) and a
/// random rotation R (seeded Gram–Schmidt); the box is μ ± 10√C_ii (asymmetric), so truncation is
/// below 1e-20: log Z = −15 + 8 log 2π + ½ log det C − log V.
struct CorrelatedGaussian16: HighDimensionalEvidenceModel {
    let d = 16
    let mu: [Double]
    let cov: [Double]
    let inv: [Double]
    let lower: [Double], upper: [Double]
    init() {
        var rng = SeededGenerator(seed: 16)
        var r: [[Double]] = []
        for _ in 0..<16 {
            var v = (0..<16).map { _ in rng.nextGaussian() }
            for u in r { let dot = zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }; for k in 0..<16 { v[k] -= dot * u[k] } }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            r.append(v.map { $0 / norm })
        }
        let sig = (0..<16).map { 0.02 * pow(50, Double($0) / 15) }
        var c = [Double](repeating: 0, count: 256)
        for i in 0..<16 { for j in 0..<16 { for k in 0..<16 { c[i * 16 + j] += r[k][i] * sig[k] * sig[k] * r[k][j] } } }
        cov = c
        inv = try! BLAS.spdInverse(c, n: 16)!
        mu = (0..<16).map { 0.1 * Double($0) - 0.5 }
        lower = (0..<16).map { (0.1 * Double($0) - 0.5) - 10 * c[$0 * 17].squareRoot() }
        upper = (0..<16).map { (0.1 * Double($0) - 0.5) + (10 + 0.5 * Double($0 % 3)) * c[$0 * 17].squareRoot() }
    }
    var exactLogZ: Double {
        let l = try! BLAS.cholesky(cov, n: 16)!
        let logDet = 2 * (0..<16).reduce(0.0) { $0 + log(l[$1 * 16 + $1]) }
        return -15 + 8 * log(2 * Double.pi) + 0.5 * logDet - logVolume
    }
    func value(at t: [Double]) -> Double {
        var f = 30.0
        inv.withUnsafeBufferPointer { w in
            mu.withUnsafeBufferPointer { m in
                t.withUnsafeBufferPointer { x in
                    var u = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
                    withUnsafeMutableBytes(of: &u) { raw in
                        let ub = raw.bindMemory(to: Double.self)
                        for i in 0..<16 { ub[i] = x[i] - m[i] }
                        for i in 0..<16 {
                            var row = 0.0
                            for j in 0..<16 { row += w[i * 16 + j] * ub[j] }
                            f += ub[i] * row
                        }
                    }
                }
            }
        }
        return f
    }
    func gradient(at t: [Double]) -> [Double] {
        (0..<16).map { i in 2 * (0..<16).reduce(0.0) { $0 + inv[i * 16 + $1] * (t[$1] - mu[$1]) } }
    }
}

/// A 14D banana: χ² = ((x₀−1)/a)² + Σ_{i≥1} ((x_i − x₀²)/b)², a = 0.5, b = 0.1; each x_i follows the
/// parabola x₀². Exact: the x_i integrals are normal CDFs on the box, the x₀ integral by Simpson.
struct Banana14: HighDimensionalEvidenceModel {
    let a = 0.5, b = 0.1
    let lower: [Double] = [-1.5] + [Double](repeating: -2, count: 13)
    let upper: [Double] = [3.5] + [Double](repeating: 12, count: 13)
    var exactLogZ: Double {
        let z = Self.simpson(lower[0], upper[0]) { x in
            var f = exp(-0.5 * pow((x - 1) / a, 2))
            for i in 1..<14 { f *= b * (2 * Double.pi).squareRoot() * (normalCDF((upper[i] - x * x) / b) - normalCDF((lower[i] - x * x) / b)) }
            return f
        }
        return log(z) - logVolume
    }
    func value(at t: [Double]) -> Double {
        var f = pow((t[0] - 1) / a, 2)
        for i in 1..<14 { f += pow((t[i] - t[0] * t[0]) / b, 2) }
        return f
    }
    func gradient(at t: [Double]) -> [Double] {
        var g = [Double](repeating: 0, count: 14)
        g[0] = 2 * (t[0] - 1) / (a * a)
        for i in 1..<14 {
            let r = (t[i] - t[0] * t[0]) / (b * b)
            g[i] = 2 * r
            g[0] -= 4 * t[0] * r
        }
        return g
    }
}

/// Two separated isotropic Gaussian modes in 16D: exp(−χ²/2) = Σ_c w_c exp(−|θ − μ_c|²/(2s_c²)), centres
/// (−3, …) and (+3, …) along p0 (12 widths apart), widths 0.5, posterior masses 1 : 0.5 (equal widths keep
/// the ratio between 1 and 0.5 along the tempering path); the box [−6, 6]^16 truncates them by products of
/// normal CDFs (exact).
struct TwoModes16: HighDimensionalEvidenceModel {
    let s = [0.5, 0.5]
    let centres = [-3.0, 3.0]
    let masses = [1.0, 0.5]
    let lower = [Double](repeating: -6, count: 16)
    let upper = [Double](repeating: 6, count: 16)
    /// log w_c = log mass_c − 16·log(s_c√2π).
    var logW: [Double] { (0..<2).map { log(masses[$0]) - 16 * log(s[$0] * (2 * Double.pi).squareRoot()) } }
    func mu(_ c: Int, _ i: Int) -> Double { i == 0 ? centres[c] : 0.1 * Double(i % 4) }
    var exactLogZ: Double {
        var terms: [Double] = []
        for c in 0..<2 {
            var t = logW[c]
            for i in 0..<16 {
                t += log(s[c] * (2 * Double.pi).squareRoot() * (normalCDF((upper[i] - mu(c, i)) / s[c]) - normalCDF((lower[i] - mu(c, i)) / s[c])))
            }
            terms.append(t)
        }
        return LogSum.exp(terms) - logVolume
    }
    func logTerms(_ t: [Double]) -> [Double] {
        let w = logW
        var out: [Double] = []
        for c in 0..<2 {
            var q = 0.0
            for i in 0..<16 { let r: Double = (t[i] - mu(c, i)) / s[c]; q += r * r }
            out.append(w[c] - 0.5 * q)
        }
        return out
    }
    func value(at t: [Double]) -> Double { -2 * LogSum.exp(logTerms(t)) }
    func gradient(at t: [Double]) -> [Double] {
        let lt = logTerms(t), m = LogSum.exp(lt)
        var g = [Double](repeating: 0, count: 16)
        for c in 0..<2 {
            let p: Double = exp(lt[c] - m)
            for i in 0..<16 { g[i] += 2 * p * (t[i] - mu(c, i)) / (s[c] * s[c]) }
        }
        return g
    }
}

/// A 15D flat curved valley: χ² = 10 + Σ_{i≥1} ((x_i − 0.4·sin(x₀ + i))/σ_i)², σ_i from 0.05 to 0.5: flat
/// along x₀ over its whole range [−4, 4]. Exact: the x_i integrals are normal CDFs, x₀ by Simpson.
struct FlatValley15: HighDimensionalEvidenceModel {
    let lower: [Double] = [-4] + [Double](repeating: -3, count: 14)
    let upper: [Double] = [4] + [Double](repeating: 3, count: 14)
    func sigma(_ i: Int) -> Double { 0.05 + 0.45 * Double(i - 1) / 13 }
    func g(_ i: Int, _ x: Double) -> Double { 0.4 * sin(x + Double(i)) }
    var exactLogZ: Double {
        let z = Self.simpson(lower[0], upper[0]) { x in
            var f = 1.0
            for i in 1..<15 {
                f *= sigma(i) * (2 * Double.pi).squareRoot() * (normalCDF((upper[i] - g(i, x)) / sigma(i)) - normalCDF((lower[i] - g(i, x)) / sigma(i)))
            }
            return f
        }
        return -5 + log(z) - logVolume
    }
    func value(at t: [Double]) -> Double {
        var f = 10.0
        for i in 1..<15 { f += pow((t[i] - g(i, t[0])) / sigma(i), 2) }
        return f
    }
    func gradient(at t: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: 15)
        for i in 1..<15 {
            let r = (t[i] - g(i, t[0])) / (sigma(i) * sigma(i))
            out[i] = 2 * r
            out[0] -= 2 * r * 0.4 * cos(t[0] + Double(i))
        }
        return out
    }
}

extension CorrelatedGaussian16 { func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) } }
extension Banana14 { func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) } }
extension TwoModes16 { func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) } }
extension FlatValley15 { func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) } }
