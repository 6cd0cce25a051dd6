import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// One mode of the posterior: its centre and the Hessian (Laplace) covariance Σ = T²·H⁻¹ there.
struct EvidenceMode: Sendable {
    /// Centre (the local minimum).
    var centre: [Double]
    /// χ² there.
    var chi2: Double
    /// Lower Cholesky factor of Σ (n×n row-major).
    var cholesky: [Double]
    /// log det Σ.
    var logDetCovariance: Double
    /// Laplace log Z of this mode alone: −χ²/(2T²) + (n/2)·log 2π + ½·log det Σ − log V.
    var laplaceLogZ: Double
}

/// The reference density of both estimators: a mixture of Student-t distributions (ν degrees of freedom,
/// scale Σ of each mode, weights ∝ the modes' Laplace evidence), plus a defensive uniform component on
/// the prior box. Normalised; sampled exactly.
struct ReferenceMixture: Sendable {
    let modes: [EvidenceMode]
    let weights: [Double]
    let nu: Double
    let defensive: Double
    let box: PriorBox
    let dimension: Int

    init(modes: [EvidenceMode], nu: Int, defensive: Double, box: PriorBox) {
        self.modes = modes
        let m = modes.map(\.laplaceLogZ).max() ?? 0
        let w = modes.map { exp($0.laplaceLogZ - m) }
        let s = w.reduce(0, +)
        self.weights = w.map { $0 / s }
        self.nu = Double(nu)
        self.defensive = defensive
        self.box = box
        self.dimension = box.lower.count
    }

    /// A point and the component it came from (−1: the uniform one).
    func sample(_ rng: inout SeededGenerator) -> (theta: [Double], component: Int) {
        if rng.nextUniform() < defensive { return (box.sample(&rng), -1) }
        var u = rng.nextUniform(), c = 0
        while c < weights.count - 1 && u > weights[c] { u -= weights[c]; c += 1 }
        let n = dimension
        let z = (0..<n).map { _ in rng.nextGaussian() }
        var chi = 0.0
        for _ in 0..<Int(nu) { let g = rng.nextGaussian(); chi += g * g }
        let scale = (nu / chi).squareRoot()
        let l = modes[c].cholesky
        let theta = (0..<n).map { i in modes[c].centre[i] + scale * (0...i).reduce(0) { $0 + l[i * n + $1] * z[$1] } }
        return (theta, c)
    }

    /// log of the density at θ.
    func logDensity(_ theta: [Double]) -> Double {
        let n = Double(dimension)
        let norm = lgamma((nu + n) / 2) - lgamma(nu / 2) - n / 2 * log(nu * Double.pi)
        var terms: [Double] = []
        for (c, mode) in modes.enumerated() {
            let q = mahalanobis2(theta, mode)
            terms.append(log((1 - defensive) * weights[c]) + norm - 0.5 * mode.logDetCovariance - (nu + n) / 2 * log1p(q / nu))
        }
        if defensive > 0 && box.contains(theta) { terms.append(log(defensive) - box.logVolume) }
        return LogSum.exp(terms)
    }

    /// (θ − μ)ᵀ Σ⁻¹ (θ − μ) via the Cholesky factor (forward substitution).
    func mahalanobis2(_ theta: [Double], _ mode: EvidenceMode) -> Double {
        let n = dimension, l = mode.cholesky
        var y = [Double](repeating: 0, count: n)
        var s = 0.0
        for i in 0..<n {
            var r = theta[i] - mode.centre[i]
            for j in 0..<i { r -= l[i * n + j] * y[j] }
            y[i] = r / l[i * n + i]
            s += y[i] * y[i]
        }
        return s
    }
}

/// log Σ exp(xᵢ) without overflow.
enum LogSum {
    static func exp(_ x: [Double]) -> Double {
        guard let m = x.max(), m > -Double.infinity else { return -.infinity }
        return m + Foundation.log(x.reduce(0) { $0 + Foundation.exp($1 - m) })
    }
}
