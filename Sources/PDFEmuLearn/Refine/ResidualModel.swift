import Foundation
import PDFEmuCore

/// A regression model of the residual r(x) = χ²_true(x) − guide(x), fitted on every true point evaluated so
/// far (all answers share one true χ²): locally weighted quadratic regression around the point asked for.
///
/// Around x the free coordinates are whitened, z = (y − x)/scale (scale: conditional σ per parameter); the
/// `neighbours` nearest stored points (default 3 × the basis size) are weighted exp(−|z|²/(2h²)) with h the
/// distance of the farthest of them, and r is fitted by the full quadratic in z (1 + m + m(m+1)/2 terms, m
/// free parameters; with fewer points than 1.5 × that, the linear basis 1 + m). The fit is exact (to
/// rounding) when r is a quadratic (linear) polynomial and the points determine it.
package struct ResidualModel: Sendable {
    /// Length unit per parameter (conditional σ; P entries, > 0 where free).
    package let scale: [Double]
    /// Which parameters vary (the others are ignored; their gradient entries are 0).
    package let free: [Bool]
    /// Most points used per fit (nil: 3 × the quadratic basis size).
    package let neighbours: Int?
    /// The stored points (each P entries).
    package private(set) var points: [[Double]] = []
    /// r at each stored point (χ² units).
    package private(set) var residuals: [Double] = []

    /// An empty model with the given length unit (P entries) and free parameters (P entries).
    package init(scale: [Double], free: [Bool], neighbours: Int? = nil) {
        precondition(scale.count == free.count, "ResidualModel: scale and free must have P entries each")
        self.scale = scale; self.free = free; self.neighbours = neighbours
    }

    /// Adds a true point x (P entries) with its residual r = χ²_true(x) − guide(x); a non-finite r is skipped.
    package mutating func add(_ x: [Double], residual r: Double) {
        guard r.isFinite, x.count == scale.count else { return }
        points.append(x); residuals.append(r)
    }

    /// The fitted residual at x: its value (χ² units) and gradient (P entries, χ² per parameter unit, 0 for
    /// fixed parameters); nil when fewer than m + 2 points are stored or the regression is singular.
    package func fit(at x: [Double]) -> (value: Double, gradient: [Double])? {
        fitWithHessian(at: x).map { ($0.value, $0.gradient) }
    }

    /// As `fit`, with the fitted Hessian (P×P row-major, χ² per parameter unit², 0 in fixed rows and columns;
    /// zero when only the linear basis could be fitted).
    package func fitWithHessian(at x: [Double]) -> (value: Double, gradient: [Double], hessian: [Double])? {
        let idx = free.indices.filter { free[$0] }
        let m = idx.count
        let nQuad = 1 + m + m * (m + 1) / 2, nLin = 1 + m
        guard m > 0, points.count >= nLin + 1 else { return nil }
        // Nearest points in whitened distance.
        var d2 = [Double](repeating: 0, count: points.count)
        for (n, y) in points.enumerated() {
            var s = 0.0
            for i in idx { let z = (y[i] - x[i]) / scale[i]; s += z * z }
            d2[n] = s
        }
        let k = min(points.count, neighbours ?? 3 * nQuad)
        let order = d2.indices.sorted { d2[$0] < d2[$1] }.prefix(k)
        let quadratic = k * 2 >= 3 * nQuad
        let nb = quadratic ? nQuad : nLin
        let h2 = max(d2[order.last!], 1e-24)
        var a = [Double](repeating: 0, count: nb * nb), b = [Double](repeating: 0, count: nb)
        var phi = [Double](repeating: 0, count: nb)
        for n in order {
            let w = exp(-0.5 * d2[n] / h2)
            var z = [Double](repeating: 0, count: m)
            for (r, i) in idx.enumerated() { z[r] = (points[n][i] - x[i]) / scale[i] }
            phi[0] = 1
            for r in 0..<m { phi[1 + r] = z[r] }
            if quadratic {
                var q = 1 + m
                for r in 0..<m { for c in r..<m { phi[q] = z[r] * z[c]; q += 1 } }
            }
            for r in 0..<nb {
                let wr = w * phi[r]
                b[r] += wr * residuals[n]
                for c in r..<nb { a[r * nb + c] += wr * phi[c] }
            }
        }
        for r in 0..<nb { for c in 0..<r { a[r * nb + c] = a[c * nb + r] } }
        // Jacobi-scaled, with the smallest ridge τ ∈ {1e-12, 1e-10, …, 1e-2} that makes it positive definite.
        var sc = [Double](repeating: 1, count: nb)
        for r in 0..<nb { sc[r] = a[r * nb + r] > 0 ? 1 / a[r * nb + r].squareRoot() : 1 }
        var sa = a, sb = b
        for r in 0..<nb { sb[r] = b[r] * sc[r]; for c in 0..<nb { sa[r * nb + c] = a[r * nb + c] * sc[r] * sc[c] } }
        var tau = 1e-12
        var coef: [Double]?
        while coef == nil && tau <= 1e-2 {
            var t = sa
            for r in 0..<nb { t[r * nb + r] += tau }
            coef = Refiner.choleskySolve(t, nb, sb)
            tau *= 100
        }
        guard let coef else { return nil }
        var g = [Double](repeating: 0, count: x.count)
        for (r, i) in idx.enumerated() { g[i] = coef[1 + r] * sc[1 + r] / scale[i] }
        let v = coef[0] * sc[0]
        let p = x.count
        var h = [Double](repeating: 0, count: p * p)
        if quadratic {
            var q = 1 + m
            for r in 0..<m {
                for c in r..<m {
                    let (i, j) = (idx[r], idx[c])
                    let hij = coef[q] * sc[q] / (scale[i] * scale[j]) * (r == c ? 2 : 1)
                    h[i * p + j] = hij; h[j * p + i] = hij
                    q += 1
                }
            }
        }
        guard v.isFinite, !g.contains(where: { !$0.isFinite }), !h.contains(where: { !$0.isFinite }) else { return nil }
        return (v, g, h)
    }
}
