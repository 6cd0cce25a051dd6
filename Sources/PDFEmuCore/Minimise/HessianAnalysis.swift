/// The curvature at the minimum and the symmetric (Hessian) errors it implies.
/// H = ½·∂²χ²/∂θ∂θ over the free parameters; covariance V = H⁻¹; error δθ_a = T·√V_aa for Δχ² = T².
package struct HessianAnalysis: Sendable, Codable, Equatable {
    /// Names of the free (not fixed) parameters the matrices refer to, in model order.
    package var parameters: [String]
    /// Their indices in the model's parameter list.
    package var indices: [Int]
    /// H = ½·∂²χ² (n×n row-major).
    package var halfHessian: [Double]
    /// Eigenvalues of H, ascending.
    package var eigenvalues: [Double]
    /// Eigenvectors of H: row i belongs to eigenvalue i (n×n row-major).
    package var eigenvectors: [Double]
    /// True if H is positive definite (all eigenvalues > 0).
    package var positiveDefinite: Bool
    /// Covariance V = H⁻¹ (n×n; NaN if H is not positive definite).
    package var covariance: [Double]
    /// Correlation matrix V_ab/√(V_aa V_bb) (n×n; NaN if H is not positive definite).
    package var correlation: [Double]
    /// Errors at Δχ² = 1: √V_aa (NaN if H is not positive definite).
    package var sigma: [Double]
    /// Tolerances T² the errors are given for.
    package var tolerances: [Double]
    /// errors[t][a] = √tolerances[t] · sigma[a].
    package var errors: [[Double]]
    /// Problems found (not positive definite, ill-conditioned).
    package var warnings: [String]

    /// Analyses the Hessian of `model` at `theta`; fixed parameters (by `constraints`) are left out.
    package static func analyse(model: any ScalarModel, at theta: [Double], constraints: [ParameterConstraint],
                               tolerances: [Double]) throws -> HessianAnalysis {
        let p = model.parameterNames.count
        let indices = (0..<p).filter { !constraints[$0].isFixed }
        let n = indices.count
        let full = Matrix(square: model.valueGradientHessian(at: theta).hessian, n: p)
        let h = full.submatrix(indices, scale: 0.5).symmetrised().values
        var warnings: [String] = []
        var values: [Double] = [], vectors: [Double] = []
        if n > 0 {
            if h.contains(where: { !$0.isFinite }) {
                throw PDFEmuError(.chi2, "Hessian at the minimum has non-finite entries")
            }
            (values, vectors) = try BLAS.symmetricEigen(h, n: n)
        }
        let pd = values.allSatisfy { $0 > 0 }
        var cov = [Double](repeating: .nan, count: n * n)
        if n > 0 && pd, let inv = try BLAS.spdInverse(h, n: n) { cov = inv }
        let isPD = pd && !cov.contains(where: { $0.isNaN })
        if !isPD {
            let neg = values.filter { $0 <= 0 }.count
            warnings.append("Hessian at the minimum is not positive definite (\(neg) of \(n) eigenvalues ≤ 0): "
                            + "Hessian errors are undefined; the minimum may be a saddle or a flat direction")
        } else if let lo = values.first, let hi = values.last, hi / lo > 1e12 {
            warnings.append("Hessian is ill-conditioned (eigenvalue ratio \(Fmt.num(hi / lo, width: 0, digits: 3))): "
                            + "errors along the flattest direction are unreliable")
        }
        let covariance = Matrix(square: cov, n: n)
        let sigma = covariance.diagonal.map { isPD && $0 > 0 ? $0.squareRoot() : Double.nan }
        var corr = Matrix(rows: n, columns: n, repeating: .nan)
        for r in 0..<n { for c in 0..<n { corr[r, c] = covariance[r, c] / (sigma[r] * sigma[c]) } }
        let errors = tolerances.map { t in sigma.map { $0 * t.squareRoot() } }
        return HessianAnalysis(parameters: indices.map { model.parameterNames[$0] }, indices: indices, halfHessian: h,
                               eigenvalues: values, eigenvectors: vectors, positiveDefinite: isPD, covariance: cov,
                               correlation: corr.values, sigma: sigma, tolerances: tolerances, errors: errors, warnings: warnings)
    }

    /// √V_aa for model parameter index `a` (nil if fixed or undefined).
    package func sigma(ofParameter a: Int) -> Double? {
        guard let r = indices.firstIndex(of: a), sigma[r].isFinite else { return nil }
        return sigma[r]
    }

    /// Covariance entry V_ab for model parameter indices (nil if fixed or undefined).
    package func covariance(_ a: Int, _ b: Int) -> Double? {
        guard let r = indices.firstIndex(of: a), let c = indices.firstIndex(of: b) else { return nil }
        let v = Matrix(square: covariance, n: indices.count)[r, c]
        return v.isFinite ? v : nil
    }

    /// Creates the value from its stored properties.
    package init(parameters: [String], indices: [Int], halfHessian: [Double], eigenvalues: [Double], eigenvectors: [Double], positiveDefinite: Bool, covariance: [Double], correlation: [Double], sigma: [Double], tolerances: [Double], errors: [[Double]], warnings: [String]) {
        self.parameters = parameters
        self.indices = indices
        self.halfHessian = halfHessian
        self.eigenvalues = eigenvalues
        self.eigenvectors = eigenvectors
        self.positiveDefinite = positiveDefinite
        self.covariance = covariance
        self.correlation = correlation
        self.sigma = sigma
        self.tolerances = tolerances
        self.errors = errors
        self.warnings = warnings
    }
}
