import Foundation
import PDFEmu

/// Deterministic pseudo-random numbers for building test models.

/// χ² = χ0 + uᵀC⁻¹u + Σ g_i u_i⁴ with u = θ − μ: a quadratic with known covariance C (g = 0), or a
/// non-quadratic one (g > 0). Two "experiments" share the quadratic part 1:3. Domain: the box μ ± k·σ.
public struct QuadraticModel: ScalarModel, TrainingRegion {
    public func whitened(_ theta: [Double]) -> [Double]? { nil }
    public func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
    public let parameterNames: [String]
    public let experimentNames = ["expA", "expB"]
    public let mu: [Double]
    public let cov: [Double]
    public let inv: [Double]
    public let quartic: [Double]
    public let chi0 = 500.0
    public let boxSigmas: Double
    public var sampleMinimum: Double { chi0 + 0.01 }
    public let bestTrainingPoints: [[Double]]
    public let trainingLower: [Double]
    public let trainingUpper: [Double]
    public var p: Int { mu.count }

    public init(p: Int, seed: UInt64 = 7, quartic g: Double = 0, boxSigmas: Double = 6) {
        var rng = SeededGenerator(seed: seed)
        parameterNames = (0..<p).map { "p\($0)" }
        mu = (0..<p).map { _ in rng.nextGaussian() }
        let scale = (0..<p).map { _ in 0.05 + rng.nextUniform() * 2 }
        // Correlation from a random factor model, then scaled.
        var a = [Double](repeating: 0, count: p * p)
        for i in 0..<(p * p) { a[i] = rng.nextGaussian() }
        var c = [Double](repeating: 0, count: p * p)
        for i in 0..<p { for j in 0..<p {
            var s = 0.0
            for k in 0..<p { s += a[i * p + k] * a[j * p + k] }
            c[i * p + j] = s / Double(p) + (i == j ? 0.3 : 0)
        } }
        let d = (0..<p).map { c[$0 * p + $0].squareRoot() }
        var cs = [Double](repeating: 0, count: p * p)
        for i in 0..<p { for j in 0..<p { cs[i * p + j] = c[i * p + j] * scale[i] * scale[j] / (d[i] * d[j]) } }
        cov = cs
        inv = try! BLAS.spdInverse(cs, n: p)!
        quartic = [Double](repeating: g, count: p)
        self.boxSigmas = boxSigmas
        let sig = (0..<p).map { cs[$0 * p + $0].squareRoot() }
        let mu_ = mu
        trainingLower = (0..<p).map { mu_[$0] - boxSigmas * sig[$0] }
        trainingUpper = (0..<p).map { mu_[$0] + boxSigmas * sig[$0] }
        var starts: [[Double]] = []
        for _ in 0..<6 {
            var point = [Double](repeating: 0, count: p)
            for j in 0..<p { point[j] = mu_[j] + 0.5 * sig[j] * rng.nextGaussian() }
            starts.append(point)
        }
        bestTrainingPoints = starts
    }

    public func sigma(_ i: Int) -> Double { cov[i * p + i].squareRoot() }
    public func quad(_ t: [Double]) -> Double {
        var s = 0.0
        for i in 0..<p { for j in 0..<p { s += (t[i] - mu[i]) * inv[i * p + j] * (t[j] - mu[j]) } }
        return s
    }
    public func value(at t: [Double]) -> Double {
        var s = chi0 + quad(t)
        for i in 0..<p { let u = t[i] - mu[i]; s += quartic[i] * u * u * u * u }
        return s
    }
    public func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) {
        let r = valueGradientHessian(at: t); return (r.value, r.gradient)
    }
    public func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        var g = [Double](repeating: 0, count: p)
        var h = [Double](repeating: 0, count: p * p)
        for i in 0..<p {
            var s = 0.0
            for j in 0..<p { s += inv[i * p + j] * (t[j] - mu[j]); h[i * p + j] = 2 * inv[i * p + j] }
            let u = t[i] - mu[i]
            g[i] = 2 * s + 4 * quartic[i] * u * u * u
            h[i * p + i] += 12 * quartic[i] * u * u
        }
        return (value(at: t), g, h)
    }
    public func prediction(at t: [Double]) -> Prediction {
        let q = quad(t)
        return Prediction(value: value(at: t), spread: 0.01 * (1 + q), perExperiment: [0.25 * q + 100, 0.75 * q + chi0 - 100])
    }
    public func domain(at t: [Double]) -> DomainCheck {
        var r = 0.0
        var inBox = true
        for i in 0..<p {
            let z = (t[i] - mu[i]) / sigma(i)
            r = max(r, abs(z))
            if t[i] < trainingLower[i] || t[i] > trainingUpper[i] { inBox = false }
        }
        return DomainCheck(inside: inBox, inBox: inBox, neighbourDistance: r / boxSigmas, radius: r, maxTrainingRadius: boxSigmas)
    }
}

/// A banana valley in (x, y), an asymmetric quartic in z, and w tied to z:
/// χ² = 100 + ((x−1)/a)² + ((y−x²)/b)² + u² + u³ + u⁴ + ((w−z)/e)², u = (z−0.5)/c.
public struct BananaModel: ScalarModel, TrainingRegion {
    public func whitened(_ theta: [Double]) -> [Double]? { nil }
    public func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
    /// The model with its fixed settings.
    public init() {}
    public let parameterNames = ["x", "y", "z", "w"]
    public let experimentNames: [String] = []
    public let a = 0.5, b = 0.2, c = 0.3, e = 0.4
    public let sampleMinimum = 100.0
    public let bestTrainingPoints: [[Double]] = [[0.9, 0.8, 0.45, 0.6], [1.2, 1.3, 0.6, 0.4]]
    public let trainingLower = [-1.0, -1.0, -1.0, -1.0]
    public let trainingUpper = [3.0, 8.0, 2.0, 2.0]

    public func value(at t: [Double]) -> Double { valueGradientHessian(at: t).value }
    public func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) {
        let r = valueGradientHessian(at: t); return (r.value, r.gradient)
    }
    public func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let (x, y, z, w) = (t[0], t[1], t[2], t[3])
        let r = y - x * x, u = (z - 0.5) / c
        let f = 100 + pow((x - 1) / a, 2) + pow(r / b, 2) + u * u + u * u * u + u * u * u * u + pow((w - z) / e, 2)
        var g = [Double](repeating: 0, count: 4), h = [Double](repeating: 0, count: 16)
        g[0] = 2 * (x - 1) / (a * a) - 4 * x * r / (b * b)
        g[1] = 2 * r / (b * b)
        g[2] = (2 * u + 3 * u * u + 4 * u * u * u) / c - 2 * (w - z) / (e * e)
        g[3] = 2 * (w - z) / (e * e)
        h[0] = 2 / (a * a) + (8 * x * x - 4 * r) / (b * b)
        h[1] = -4 * x / (b * b); h[4] = h[1]
        h[5] = 2 / (b * b)
        h[10] = (2 + 6 * u + 12 * u * u) / (c * c) + 2 / (e * e)
        h[11] = -2 / (e * e); h[14] = h[11]
        h[15] = 2 / (e * e)
        return (f, g, h)
    }
    public func prediction(at t: [Double]) -> Prediction { Prediction(value: value(at: t), spread: 0, perExperiment: []) }
    public func domain(at t: [Double]) -> DomainCheck {
        let inBox = (0..<4).allSatisfy { t[$0] >= trainingLower[$0] && t[$0] <= trainingUpper[$0] }
        return DomainCheck(inside: inBox, inBox: inBox, neighbourDistance: 0, radius: 0, maxTrainingRadius: 0)
    }
}

/// Two valleys, smoothly joined: χ² = 50 − log(e^{−q1} + e^{−q2}), q1 = |θ−μ1|², q2 = |θ−μ2|² − 8.
/// The deeper valley (Δχ² ≈ −8) lies outside the training domain (ball of radius 3.5 around μ1).
public struct TwoValleyModel: ScalarModel, TrainingRegion {
    public func whitened(_ theta: [Double]) -> [Double]? { nil }
    public func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
    /// The model with its fixed settings.
    public init() {}
    public let parameterNames = ["x", "y", "z"]
    public let experimentNames: [String] = []
    public let mu1 = [0.0, 0.0, 0.0], mu2 = [2.0, 5.0, 0.0]
    public let depth = 8.0
    public let radius = 3.5
    public var sampleMinimum: Double { 50 }
    public var bestTrainingPoints: [[Double]] = [[0.3, -0.2, 0.1], [-0.4, 0.3, 0.2], [0.1, 0.5, -0.3]]
    public let trainingLower = [-3.5, -3.5, -3.5]
    public let trainingUpper = [3.5, 3.5, 3.5]

    public func value(at t: [Double]) -> Double { valueGradientHessian(at: t).value }
    public func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) {
        let r = valueGradientHessian(at: t); return (r.value, r.gradient)
    }
    public func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        var q1 = 0.0, q2 = -depth
        var g1 = [Double](repeating: 0, count: 3), g2 = g1
        for i in 0..<3 {
            q1 += (t[i] - mu1[i]) * (t[i] - mu1[i]); g1[i] = 2 * (t[i] - mu1[i])
            q2 += (t[i] - mu2[i]) * (t[i] - mu2[i]); g2[i] = 2 * (t[i] - mu2[i])
        }
        let m = min(q1, q2)
        let e1 = exp(-(q1 - m)), e2 = exp(-(q2 - m))
        let w1 = e1 / (e1 + e2), w2 = e2 / (e1 + e2)
        let f = 50 + m - log(e1 + e2)
        var g = [Double](repeating: 0, count: 3), h = [Double](repeating: 0, count: 9)
        for i in 0..<3 { g[i] = w1 * g1[i] + w2 * g2[i] }
        for i in 0..<3 { for j in 0..<3 {
            h[i * 3 + j] = (i == j ? 2 : 0) - w1 * w2 * (g1[i] - g2[i]) * (g1[j] - g2[j])
        } }
        return (f, g, h)
    }
    public func prediction(at t: [Double]) -> Prediction { Prediction(value: value(at: t), spread: 0, perExperiment: []) }
    public func domain(at t: [Double]) -> DomainCheck {
        let r = (0..<3).map { (t[$0] - mu1[$0]) * (t[$0] - mu1[$0]) }.reduce(0, +).squareRoot()
        let inBox = (0..<3).allSatisfy { t[$0] >= trainingLower[$0] && t[$0] <= trainingUpper[$0] }
        return DomainCheck(inside: r <= radius, inBox: inBox, neighbourDistance: r / radius, radius: r, maxTrainingRadius: radius)
    }
}

/// Two valleys in the nuisance parameter y along the profile of x, joined smoothly:
/// χ² = 100 − log(e^{−A} + e^{−B}), A = x² + 4y² (the valley of the start, minimum 100 at the origin),
/// B = floor + (x − 3)²/4 + 4(y − 3)² (minimum 100 + floor at (3, 3)). With floor = 3 the profile of x
/// runs in A up to x ≈ 1.83 and in B beyond (Δχ² = 4 at x = 5), but a continuation warm-started from the
/// minimum keeps y ≈ 0 until valley A vanishes near x ≈ 6; with floor < 0 valley B holds a lower minimum.
public struct BranchValleyModel: ScalarModel {
    public func predictBatch(_ points: [Double]) -> BatchPrediction { pointwiseBatch(points) }
    public let parameterNames = ["x", "y"]
    public let experimentNames: [String] = []
    /// χ² − 100 at the bottom of valley B.
    public let floor: Double
    public var startingPoints: [[Double]] { [[0.2, -0.1]] }
    /// The model with valley B's bottom at 100 + `floor`.
    public init(floor: Double) { self.floor = floor }

    public func value(at t: [Double]) -> Double { valueGradientHessian(at: t).value }
    public func valueAndGradient(at t: [Double]) -> (value: Double, gradient: [Double]) {
        let r = valueGradientHessian(at: t); return (r.value, r.gradient)
    }
    public func valueGradientHessian(at t: [Double]) -> (value: Double, gradient: [Double], hessian: [Double]) {
        let x = t[0], y = t[1]
        let a = x * x + 4 * y * y, b = floor + 0.25 * (x - 3) * (x - 3) + 4 * (y - 3) * (y - 3)
        let ga = [2 * x, 8 * y], gb = [0.5 * (x - 3), 8 * (y - 3)]
        let ha = [2.0, 0, 0, 8], hb = [0.5, 0, 0, 8]
        let m = min(a, b)
        let ea = exp(-(a - m)), eb = exp(-(b - m))
        let wa = ea / (ea + eb), wb = eb / (ea + eb)
        let f = 100 + m - log(ea + eb)
        var g = [0.0, 0], h = [0.0, 0, 0, 0]
        for i in 0..<2 { g[i] = wa * ga[i] + wb * gb[i] }
        for i in 0..<2 { for j in 0..<2 {
            h[i * 2 + j] = wa * ha[i * 2 + j] + wb * hb[i * 2 + j] - wa * wb * (ga[i] - gb[i]) * (ga[j] - gb[j])
        } }
        return (f, g, h)
    }
    public func prediction(at t: [Double]) -> Prediction { Prediction(value: value(at: t), spread: 0, perExperiment: []) }
    /// The exact profile χ²(x) = min over y in [yLower, yUpper] (dense grid, then golden section).
    public func profile(_ x: Double, yLower: Double = -2, yUpper: Double = 5) -> Double {
        goldenMinimum({ value(at: [x, $0]) }, yLower, yUpper)
    }
}

/// Independent 1D minimisation (dense grid, then golden section) for reference profiles.
public func goldenMinimum(_ f: (Double) -> Double, _ lo: Double, _ hi: Double, grid: Int = 2001) -> Double {
    var best = lo, fb = Double.infinity
    for k in 0...grid { let x = lo + (hi - lo) * Double(k) / Double(grid); let v = f(x); if v < fb { fb = v; best = x } }
    let step = (hi - lo) / Double(grid)
    var a = best - step, b = best + step
    let r = (5.0.squareRoot() - 1) / 2
    for _ in 0..<100 {
        let c = b - r * (b - a), d = a + r * (b - a)
        if f(c) < f(d) { b = d } else { a = c }
    }
    return f(0.5 * (a + b))
}

/// Bisection for g(x) = 0 on [lo, hi] with g(lo), g(hi) of opposite signs.
public func bisect(_ g: (Double) -> Double, _ lo: Double, _ hi: Double) -> Double {
    var a = lo, b = hi
    let ga = g(a)
    for _ in 0..<200 {
        let m = 0.5 * (a + b)
        if (g(m) < 0) == (ga < 0) { a = m } else { b = m }
    }
    return 0.5 * (a + b)
}
