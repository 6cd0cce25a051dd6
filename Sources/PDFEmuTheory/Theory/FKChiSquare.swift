import Foundation
import PDFEmuCore
import PDFEmuIO

/// The exact χ² of an FK theory file as a function of the HERA parametrisation's free parameters.
///
/// χ²(θ) = (D − T(θ))ᵀ C⁻¹ (D − T(θ)) with C = diag(stat² + uncorr²) + B Bᵀ over the points passing
/// the cut Q² ≥ q²_min, and T = F·f(θ) (F = the FK table, f the PDFs on its x grid). Because f is a
/// linear image of the 6-flavour basis of `HERAParametrisation` at the interior grid points
/// (294 = 6 × 49 values; the FK table's 350 = 7 × 50 columns collapse to these since f = 0 at x = 1
/// and f_s = f_sbar), T = (F M) q(θ) with F M [N, 294]. At load, C is factored once (Cholesky),
/// D and F M are whitened and the whitened F M is QR-factored, so that (see `ReducedLeastSquares`)
///
///     χ²(θ) = ‖b − R q(θ)‖² + c0,   R: 294×294 upper triangular, c0 = ‖(I − QQᵀ) L⁻¹D‖².
///
/// Per-experiment χ²_e use data set e's own diagonal block of C with its own Cholesky and reduction
/// (R_e has min(N_e, 294) rows), so they do not add up to the total.
///
/// Derivatives are exact: the gradient is −2 (R J)ᵀ r with J = ∂q/∂θ analytic (through the sum-rule
/// normalisations, digamma); the Hessian (`HessianKind.exact`, the default) is
/// 2 (RJ)ᵀ(RJ) − 2 Σ_j (Rᵀr)_j ∂²q_j/∂θ∂θ, the second term from the analytic second derivatives of
/// the parametrisation (trigamma); `.gaussNewton` drops that term.
///
/// Where the parametrisation does not exist (a sum-rule Beta argument ≤ 0, …) every evaluation
/// returns the `UndefinedPoint` reason. Thread-safe (immutable).
package struct FKChiSquare: Sendable {
    /// The theory file's path.
    package let theoryPath: String
    /// The free/fixed choice and the cut.
    package let options: TheoryOptions
    /// The parametrisation on the file's x grid.
    package let parametrisation: HERAParametrisation
    /// Indices (into the 16 `HERAParametrisation.parameterNames`) of the free parameters, ascending.
    package let freeIndices: [Int]
    /// The 16 parameter values with the fixed ones in place (free entries 0).
    package let template: [Double]
    /// Names of the free parameters: the θ of every method below, in this order.
    package let parameterNames: [String]
    /// Data set names (all of the file's, also those the cut empties).
    package let experimentNames: [String]
    /// Data points per data set after the cut (0 where the cut removes a set).
    package let ndataPerExperiment: [Int]
    /// Data points after the cut.
    package var ndata: Int { total.ndata }
    /// Root attributes of the theory file (build provenance).
    package let theoryAttributes: Provenance
    /// Starting points for minimisation (free parameters), best first; see `FKChiSquare+ScalarModel`.
    package var startingPoints: [[Double]]

    let total: ReducedLeastSquares
    let experiments: [ReducedLeastSquares?]

    /// Which Hessian `valueGradientHessian` returns.
    package enum HessianKind: Sendable {
        /// The exact second derivative of χ² (Gauss–Newton plus the residual-curvature term).
        case exact
        /// 2 JᵣᵀJᵣ only (Jᵣ the exact residual Jacobian): positive semi-definite, exact where r = 0.
        case gaussNewton
    }

    /// Loads `path` (see `FKTheoryFile.read`) and builds the χ² for `options`.
    package static func read(_ path: String, options: TheoryOptions = TheoryOptions()) throws -> FKChiSquare {
        try FKChiSquare(file: try FKTheoryFile.read(path), options: options)
    }

    /// Builds the χ² of `file` for `options`. Throws one line for bad options (see
    /// `TheoryOptions.resolve`), a cut that leaves no data, or a covariance that is not positive definite.
    package init(file: FKTheoryFile, options: TheoryOptions = TheoryOptions()) throws {
        try BLAS.ensureLoaded()
        let (free, template) = try options.resolve()
        self.theoryPath = file.path
        self.options = options
        self.freeIndices = free
        self.template = template
        self.parameterNames = free.map { HERAParametrisation.parameterNames[$0] }
        self.experimentNames = file.experimentNames
        self.theoryAttributes = file.attributes
        self.startingPoints = [HERAParametrisation.startingValues].map { v in free.map { v[$0] } }
        let par = HERAParametrisation(xgrid: file.xgrid)
        self.parametrisation = par
        let kept = (0..<file.count).filter { file.q2($0) >= options.q2Min }
        guard !kept.isEmpty else {
            let largest = (0..<file.count).map(file.q2).max() ?? 0
            throw SettingError(.q2Min, "\(options.q2Min) leaves no data points of \(file.path) (largest Q² is \(largest) GeV²)")
        }
        // F·M: the FK table's columns summed into the basis (row-major [N, nb]).
        let nb = par.basisCount, k = par.interior.count, nx = file.xgrid.count, nf = file.flavours.count
        var fm = [Double](repeating: 0, count: file.count * nb)
        for i in 0..<file.count {
            for (b, flavours) in HERAParametrisation.flavourOfBasis.enumerated() {
                for a in flavours {
                    for (kk, gi) in par.interior.enumerated() { fm[i * nb + b * k + kk] += file.fk[(i * nf + a) * nx + gi] }
                }
            }
        }
        func reduce(_ rows: [Int], _ what: String) throws -> ReducedLeastSquares {
            let m = rows.count, s = file.sourceCount
            var bsel = [Double](repeating: 0, count: m * s)
            for (r, i) in rows.enumerated() { for c in 0..<s { bsel[r * s + c] = file.correlated[i * s + c] } }
            var cov = [Double](repeating: 0, count: m * m)
            if s > 0 {
                bsel.withUnsafeBufferPointer { bb in
                    cov.withUnsafeMutableBufferPointer { cb in
                        BLAS.gemm(transA: false, transB: true, m: m, n: m, k: s, alpha: 1, a: bb.baseAddress!, lda: s,
                                  b: bb.baseAddress!, ldb: s, beta: 0, c: cb.baseAddress!, ldc: m)
                    }
                }
            }
            for (r, i) in rows.enumerated() { cov[r * m + r] += file.stat[i] * file.stat[i] + file.uncorrelated[i] * file.uncorrelated[i] }
            var design = [Double](repeating: 0, count: m * nb)   // column-major m×nb
            for (r, i) in rows.enumerated() { for c in 0..<nb { design[c * m + r] = fm[i * nb + c] } }
            guard let red = try ReducedLeastSquares(data: rows.map { file.data[$0] }, covariance: cov, design: design, columns: nb) else {
                throw PDFEmuError(file: file.path, "the covariance of \(what) is not positive definite")
            }
            return red
        }
        total = try reduce(kept, "the \(kept.count) data points with Q² ≥ \(options.q2Min)")
        var exps: [ReducedLeastSquares?] = []
        var counts: [Int] = []
        for (e, name) in file.experimentNames.enumerated() {
            let rows = kept.filter { file.experimentIndex[$0] == e }
            counts.append(rows.count)
            exps.append(rows.isEmpty ? nil : try reduce(rows, "data set \(name)"))
        }
        experiments = exps
        ndataPerExperiment = counts
    }

    /// The 16 parameter values for free parameters `theta` (in `parameterNames` order).
    package func fullTheta(_ theta: [Double]) -> [Double] {
        precondition(theta.count == freeIndices.count, "FKChiSquare: θ has \(theta.count) values, expected \(freeIndices.count)")
        var t = template
        for (k, i) in freeIndices.enumerated() { t[i] = theta[k] }
        return t
    }

    /// The PDFs at the free parameters `theta` (order 0, 1 or 2 of derivatives kept).
    package func pdfs(at theta: [Double], order: Int = 0) -> Result<PDFPoint, UndefinedPoint> {
        parametrisation.evaluate(fullTheta(theta), order: order)
    }

    /// `r`, or `.overflow` if `value` is not finite (the PDFs are finite but χ² overflows).
    func checked<T>(_ value: Double, _ r: T) -> Result<T, UndefinedPoint> {
        value.isFinite ? .success(r) : .failure(.overflow(detail: "χ² is \(value)"))
    }

    /// χ²(θ), or why it does not exist.
    package func chi2(at theta: [Double]) -> Result<Double, UndefinedPoint> {
        pdfs(at: theta).flatMap { p in let v = total.chi2(p.basis); return checked(v, v) }
    }

    /// χ²(θ) and the per-experiment χ²_e (0 for a data set the cut empties).
    package func chi2PerExperiment(at theta: [Double]) -> Result<(total: Double, perExperiment: [Double]), UndefinedPoint> {
        pdfs(at: theta).flatMap { p in
            let v = total.chi2(p.basis)
            return checked(v, (v, experiments.map { $0?.chi2(p.basis) ?? 0 }))
        }
    }

    /// χ²(θ) and its exact gradient over the free parameters.
    package func chi2AndGradient(at theta: [Double]) -> Result<(value: Double, gradient: [Double]), UndefinedPoint> {
        pdfs(at: theta, order: 1).flatMap { p in
            let r = total.chi2AndGradient(p.basis)
            let g = p.contractGradient(r.gradient)
            return checked(r.value, (r.value, freeIndices.map { g[$0] }))
        }
    }

    /// χ²(θ), its exact gradient and a Hessian ∂²χ²/∂θ∂θ (P×P row-major, P free parameters) of `kind`.
    package func chi2GradientHessian(at theta: [Double], kind: HessianKind = .exact)
        -> Result<(value: Double, gradient: [Double], hessian: [Double]), UndefinedPoint> {
        pdfs(at: theta, order: kind == .exact ? 2 : 1).flatMap { p in
            let r = total.chi2AndGradient(p.basis)
            let g = p.contractGradient(r.gradient)
            let n = HERAParametrisation.parameterNames.count
            let rj = total.times(p.basisJacobian(), columns: n)      // residual Jacobian is −R J
            var full = kind == .exact ? p.contractSecond(r.gradient) : [Double](repeating: 0, count: n * n)
            let free = freeIndices
            for a in free {
                for b in free where b >= a {
                    var s = 0.0
                    for i in 0..<total.rows { s += rj[i * n + a] * rj[i * n + b] }
                    full[a * n + b] += 2 * s
                    if a != b { full[b * n + a] = full[a * n + b] }
                }
            }
            let h = free.flatMap { a in free.map { b in full[a * n + b] } }
            return checked(r.value, (r.value, free.map { g[$0] }, h))
        }
    }
}
