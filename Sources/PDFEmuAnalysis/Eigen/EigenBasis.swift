import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// The directions of an eigenvector set, as full parameter vectors d_k (length P, zero on fixed
/// parameters), normalised so that to quadratic order Δχ²(θ₀ + t·d_k) = t²: distance t along d_k is in
/// units of the Δχ² = 1 displacement, and the quadratic prediction of the Δχ² = T² end is t = T.
/// Without iteration d_k = e_k/√λ_k for the eigenvectors e_k of H = ½∇²χ² at the minimum (ascending λ,
/// so k = 1 is the flattest direction); the iterated basis is CT's re-diagonalisation (below).
package struct EigenBasis: Sendable, Codable, Equatable {
    /// Direction vectors d_k, n rows of P values.
    package var directions: [[Double]]
    /// Eigenvalues λ_k of H = ½∇²χ² at the minimum (χ² per parameter unit², ascending) of the first diagonalisation.
    package var eigenvalues: [Double]
    /// Re-diagonalisations done (0: the Hessian basis).
    package var iterations: Int
    /// Largest |M_kl − δ_kl| of the last secant matrix M (0 without iteration): how far the final basis
    /// is from diagonalising χ² at the scale T.
    package var residual: Double
    /// Problems found (e.g. a secant matrix that is not positive definite).
    package var warnings: [String]

    /// The Hessian basis d_k = e_k/√λ_k of `hessian` (which must be positive definite), embedded in P parameters.
    package static func hessian(_ hessian: HessianAnalysis, parameterCount p: Int) throws -> EigenBasis {
        guard hessian.positiveDefinite else {
            throw PDFEmuError(.chi2, "the Hessian at the minimum is not positive definite: no eigenvector sets")
        }
        let n = hessian.indices.count
        let dirs = (0..<n).map { k -> [Double] in
            var d = [Double](repeating: 0, count: p)
            let s = 1 / hessian.eigenvalues[k].squareRoot()
            for (r, i) in hessian.indices.enumerated() { d[i] = hessian.eigenvectors[k * n + r] * s }
            return d
        }
        return EigenBasis(directions: dirs, eigenvalues: hessian.eigenvalues, iterations: 0, residual: 0, warnings: [])
    }

    /// CT's iterative re-diagonalisation (Pumplin, Stump, Tung, PRD 65 014011): each round first rescales
    /// every direction so that Δχ² = T² is reached, on average over ±, at distance T; then, in the
    /// coordinates z of the basis (θ = θ₀ + Σ z_k d_k), measures the half-Hessian M by finite differences
    /// with step `scale` (= T, so the points sit near Δχ² = T², not at the minimum) and moves to the basis
    /// d' = d·M^{-1/2} that diagonalises it (the symmetric root: the orthonormal frame nearest the current
    /// one). Repeated until max|M − I| < `tolerance` or `maxIterations`. A round that meets a
    /// non-positive-definite M keeps the previous basis with a warning.
    package func iterated(model: any ScalarModel, centre: [Double], scale: Double, maxIterations: Int = 10,
                         tolerance: Double = 1e-3) throws -> EigenBasis {
        var basis = self
        let n = directions.count, p = centre.count
        let f0 = model.value(at: centre)
        for _ in 0..<maxIterations {
            // Rescale each direction so that its mean ± distance to Δχ² = s² is s: the diagonal of M is then 1
            // whatever the shape of χ² along it, and only the off-diagonal mixing is left to the update.
            let s = scale
            let rescale = Parallel.map(n) { k -> Double in
                let dist = [1.0, -1.0].compactMap { sign -> Double? in
                    RayCrossing.first(g0: -s * s, start: 0.5 * s, limit: .infinity, tolerance: 1e-8 * max(1, s * s)) { t in
                        model.value(at: (0..<p).map { centre[$0] + sign * t * basis.directions[k][$0] }) - f0 - s * s
                    }.t
                }
                return dist.count == 2 ? 0.5 * (dist[0] + dist[1]) / s : 1
            }
            for k in 0..<n { basis.directions[k] = basis.directions[k].map { $0 * rescale[k] } }
            let d = basis.directions
            func point(_ coeffs: [(Int, Double)]) -> [Double] {
                var t = centre
                for (k, c) in coeffs { for i in 0..<p { t[i] += c * d[k][i] } }
                return t
            }
            // Entries (k, l), k ≤ l: diagonal from ±s e_k, off-diagonal from the four corners.
            let pairs = (0..<n).flatMap { k in (k..<n).map { (k, $0) } }
            let entries = Parallel.map(pairs.count) { j -> Double in
                let (k, l) = pairs[j]
                if k == l {
                    return (model.value(at: point([(k, s)])) + model.value(at: point([(k, -s)])) - 2 * f0) / (2 * s * s)
                }
                let a = model.value(at: point([(k, s), (l, s)])), b = model.value(at: point([(k, s), (l, -s)]))
                let c = model.value(at: point([(k, -s), (l, s)])), e = model.value(at: point([(k, -s), (l, -s)]))
                return (a - b - c + e) / (8 * s * s)
            }
            var m = [Double](repeating: 0, count: n * n)
            for (j, (k, l)) in pairs.enumerated() { m[k * n + l] = entries[j]; m[l * n + k] = entries[j] }
            guard m.allSatisfy(\.isFinite) else {
                basis.warnings.append("re-diagonalisation stopped: χ² is undefined at a finite-difference point at the scale T")
                break
            }
            var residual = 0.0
            for k in 0..<n { for l in 0..<n { residual = max(residual, abs(m[k * n + l] - (k == l ? 1 : 0))) } }
            basis.residual = residual
            if residual < tolerance { break }
            let (mu, u) = try BLAS.symmetricEigen(m, n: n)
            guard mu.allSatisfy({ $0 > 0 }) else {
                basis.warnings.append("re-diagonalisation stopped: the secant matrix at the scale T is not positive definite")
                break
            }
            // d' = d·M^{-1/2} (symmetric root: the orthonormal frame nearest the current one, which keeps
            // the fixed-point iteration stable and the directions in their order).
            var root = [Double](repeating: 0, count: n * n)
            for j in 0..<n { for k in 0..<n { for l in 0..<n { root[k * n + l] += u[j * n + k] * u[j * n + l] / mu[j].squareRoot() } } }
            var newDirs = [[Double]](repeating: [Double](repeating: 0, count: p), count: n)
            for l in 0..<n { for k in 0..<n { for i in 0..<p { newDirs[l][i] += root[k * n + l] * d[k][i] } } }
            basis.directions = newDirs
            basis.iterations += 1
        }
        return basis
    }
}
