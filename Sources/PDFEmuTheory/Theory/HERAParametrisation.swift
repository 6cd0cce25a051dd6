import Foundation
import PDFEmuCore
import PDFEmuIO

/// The HERAPDF2.0-style parametrisation of the PDFs at Q0² = 1.9 GeV² with 16 parameters
/// (`parameterNames`, in this order; Cgp = 25 fixed):
///
///     xg    = Ag x^Bg (1−x)^Cg − Agp x^Bgp (1−x)^25
///     xuv   = Auv x^Buv (1−x)^Cuv (1 + Duv x + Euv x²)
///     xdv   = Adv x^Bdv (1−x)^Cdv
///     xUbar = ADbar (1−fs) x^BDbar (1−x)^CUbar (1 + DUbar x)        (ubar = Ubar)
///     xDbar = ADbar x^BDbar (1−x)^CDbar,  xdbar = (1−fs) xDbar,  xsbar = xs = fs xDbar
///
/// with Auv, Adv from the valence number sum rules and Ag from the momentum sum rule, all through
/// Beta functions (log-gamma; derivatives through digamma and trigamma, see `Polygamma`).
///
/// Internally the PDFs are carried in the 6-flavour *basis* g, uv, dv, ubar, dbar, sbar (values
/// q_b(x_k) = x·q_b / x, not x·q): the FK table's 7 flavours g, d, u, s, dbar, ubar, sbar are
/// f_g = g, f_d = dv + dbar, f_u = uv + ubar, f_s = f_sbar = sbar, f_dbar = dbar, f_ubar = ubar
/// (`flavourOfBasis` is the inverse map), so any FK prediction is linear in the basis values at
/// the interior grid points (f = 0 at x = 1). Every derivative is exact and analytic: first
/// derivatives (Jacobian, gradients) and second derivatives (the curvature term of the χ² Hessian).
package struct HERAParametrisation: Sendable {
    /// The 16 parameter names, in θ order.
    package static let parameterNames = ["Bg", "Cg", "Agp", "Bgp", "Buv", "Cuv", "Duv", "Euv", "Bdv", "Cdv",
                                        "CUbar", "DUbar", "ADbar", "BDbar", "CDbar", "fs"]
    /// The fixed large-x exponent of the negative gluon term.
    package static let cgp = 25.0
    /// The basis in which the parametrisation is linear-combined into FK flavours.
    package static let basisNames = ["g", "uv", "dv", "ubar", "dbar", "sbar"]
    /// The FK table's flavours, in its order (PDG ids 21, 1, 2, 3, −1, −2, −3).
    package static let flavourNames = ["g", "d", "u", "s", "dbar", "ubar", "sbar"]
    /// PDG ids of `flavourNames`.
    package static let flavourPIDs: [Int] = [21, 1, 2, 3, -1, -2, -3]
    /// For each basis function, the FK flavours it enters (with coefficient 1).
    package static let flavourOfBasis: [[Int]] = [[0], [2], [1], [2, 5], [1, 4], [3, 6]]

    /// The full x grid of the FK table (ascending; the last point may be x = 1).
    package let xgrid: [Double]
    /// Indices into `xgrid` of the interior points 0 < x < 1, where the PDFs are evaluated.
    package let interior: [Int]
    let x: [Double], lx: [Double], l1x: [Double]

    /// Number of basis values per point: 6 × interior grid points.
    package var basisCount: Int { 6 * interior.count }

    /// A parametrisation on `xgrid` (points with x ≤ 0 or x ≥ 1 carry f = 0).
    package init(xgrid: [Double]) {
        self.xgrid = xgrid
        interior = xgrid.indices.filter { xgrid[$0] > 0 && xgrid[$0] < 1 }
        x = interior.map { xgrid[$0] }
        lx = x.map { log($0) }
        l1x = x.map { log1p(-$0) }
    }

    // Parameter indices.
    static let iBg = 0, iCg = 1, iAgp = 2, iBgp = 3, iBuv = 4, iCuv = 5, iDuv = 6, iEuv = 7, iBdv = 8, iCdv = 9,
               iCUbar = 10, iDUbar = 11, iADbar = 12, iBDbar = 13, iCDbar = 14, iFs = 15

    /// One term N_c · x^B (1−x)^C (1 + Σ p_j x^k_j) of a basis function.
    struct Component {
        let basis: Int
        let b: Int
        let c: Int?           // nil: the fixed exponent Cgp
        let poly: [(param: Int, power: Int)]
    }
    static let components: [Component] = [
        Component(basis: 0, b: iBg, c: iCg, poly: []),                          // Ag x^Bg (1−x)^Cg
        Component(basis: 0, b: iBgp, c: nil, poly: []),                         // −Agp x^Bgp (1−x)^25
        Component(basis: 1, b: iBuv, c: iCuv, poly: [(iDuv, 1), (iEuv, 2)]),    // uv
        Component(basis: 2, b: iBdv, c: iCdv, poly: []),                        // dv
        Component(basis: 3, b: iBDbar, c: iCUbar, poly: [(iDUbar, 1)]),         // ubar = Ubar
        Component(basis: 4, b: iBDbar, c: iCDbar, poly: []),                    // dbar = (1−fs) Dbar
        Component(basis: 5, b: iBDbar, c: iCDbar, poly: []),                    // sbar = fs Dbar
    ]

    /// The Beta-function arguments that depend on parameters: (function, parameter index, offset), the
    /// argument being θ[index] + offset.
    static let betaArguments: [(function: String, parameter: Int, offset: Double)] = [
        ("B(Bg+1, Cg+1)", iBg, 1), ("B(Bg+1, Cg+1)", iCg, 1), ("B(Bgp+1, 26)", iBgp, 1),
        ("B(Buv, Cuv+1)", iBuv, 0), ("B(Buv, Cuv+1)", iCuv, 1), ("B(Bdv, Cdv+1)", iBdv, 0), ("B(Bdv, Cdv+1)", iCdv, 1),
        ("B(BDbar+1, CUbar+1)", iBDbar, 1), ("B(BDbar+1, CUbar+1)", iCUbar, 1), ("B(BDbar+1, CDbar+1)", iCDbar, 1),
    ]

    /// Checks that every sum-rule Beta function exists at θ (16 values).
    package static func checkDomain(_ t: [Double]) -> UndefinedPoint? {
        for (i, v) in t.enumerated() where !v.isFinite { return .nonFiniteParameter(name: parameterNames[i], value: v) }
        for a in betaArguments where !(t[a.parameter] + a.offset > 0) {
            return .betaArgument(function: a.function, parameter: "\(parameterNames[a.parameter]) = \(t[a.parameter])",
                                 argument: t[a.parameter] + a.offset)
        }
        return nil
    }

    /// The normalisations N_c of the seven components as jets in the 16 parameters (order 0: values
    /// only, 1: with gradients, 2: with Hessians). Assumes `checkDomain` passed.
    static func normalisations(_ t: [Double], order: Int) -> Result<[Jet], UndefinedPoint> {
        let n = order == 0 ? 0 : t.count
        func p(_ i: Int, _ offset: Double = 0) -> Jet { Jet(parameter: i, value: t[i], offset: offset, n: n, order: order) }
        func c(_ v: Double) -> Jet { Jet(constant: v, n: n, order: order) }
        let B = Jet.beta
        let buv = p(iBuv), cuv1 = p(iCuv, 1), duv = p(iDuv), euv = p(iEuv)
        let su0 = B(buv, cuv1), su1 = duv * B(p(iBuv, 1), cuv1), su2 = euv * B(p(iBuv, 2), cuv1)
        let su = su0 + su1 + su2
        // ∫uv dx/Auv cancels to rounding level (or is 0): Auv = 2/∫ is not determined.
        guard su.value.isFinite, abs(su.value) > 1e-10 * (abs(su0.value) + abs(su1.value) + abs(su2.value)) else {
            return .failure(.vanishingIntegral(normalisation: "Auv", integral: su.value))
        }
        let auv = c(2) / su
        let bdv = p(iBdv), cdv1 = p(iCdv, 1)
        let adv = c(1) / B(bdv, cdv1)
        let mu = B(p(iBuv, 1), cuv1) + duv * B(p(iBuv, 2), cuv1) + euv * B(p(iBuv, 3), cuv1)
        let adbar = p(iADbar), fs = p(iFs), bdb1 = p(iBDbar, 1), cub1 = p(iCUbar, 1)
        let aubar = adbar * (1.0 + (-1.0) * fs)
        let mq = auv * mu + adv * B(p(iBdv, 1), cdv1)
            + 2.0 * (aubar * (B(bdb1, cub1) + p(iDUbar) * B(p(iBDbar, 2), cub1)))
            + 2.0 * (adbar * B(bdb1, p(iCDbar, 1)))
        let agp = p(iAgp)
        let ag = (1.0 + (-1.0) * mq + agp * B(p(iBgp, 1), c(cgp + 1))) / B(p(iBg, 1), p(iCg, 1))
        let all = [ag, -1.0 * agp, auv, adv, aubar, aubar, adbar * fs]
        for j in all where !j.value.isFinite {
            return .failure(.overflow(detail: "a sum-rule normalisation is \(j.value)"))
        }
        return .success(all)
    }

    /// The PDFs at θ (16 values, `parameterNames` order), with what is needed for derivatives up to
    /// `order` (0, 1 or 2), or why they do not exist.
    package func evaluate(_ theta: [Double], order: Int = 0) -> Result<PDFPoint, UndefinedPoint> {
        precondition(theta.count == Self.parameterNames.count, "HERA parametrisation: θ must have 16 values")
        if let bad = Self.checkDomain(theta) { return .failure(bad) }
        let norms: [Jet]
        switch Self.normalisations(theta, order: order) {
        case .success(let v): norms = v
        case .failure(let e): return .failure(e)
        }
        let k = x.count, nc = Self.components.count
        var base = [Double](repeating: 0, count: nc * k), shape = base
        var basis = [Double](repeating: 0, count: 6 * k)
        base.withUnsafeMutableBufferPointer { bb in
            shape.withUnsafeMutableBufferPointer { sb in
                basis.withUnsafeMutableBufferPointer { qb in
                    x.withUnsafeBufferPointer { xb in
                        lx.withUnsafeBufferPointer { lxb in
                            l1x.withUnsafeBufferPointer { l1b in
                                for ci in 0..<nc {
                                    let comp = Self.components[ci]
                                    let bexp = theta[comp.b], cexp = comp.c.map { theta[$0] } ?? Self.cgp
                                    // (1 + c1 x + c2 x²): every polynomial term has power 1 or 2.
                                    var c1 = 0.0, c2 = 0.0
                                    for (pj, pw) in comp.poly { if pw == 1 { c1 += theta[pj] } else { c2 += theta[pj] } }
                                    let n = norms[ci].value
                                    let o = ci * k, q = comp.basis * k
                                    for i in 0..<k {
                                        let xi = xb[i]
                                        let bv = exp(bexp * lxb[i] + cexp * l1b[i])
                                        let sv = bv * (1 + xi * (c1 + c2 * xi))
                                        bb[o + i] = bv
                                        sb[o + i] = sv
                                        qb[q + i] += n * sv / xi
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for v in basis where !v.isFinite {
            return .failure(.overflow(detail: "a PDF value on the x grid is \(v)"))
        }
        return .success(PDFPoint(parametrisation: self, theta: theta, basis: basis, normalisations: norms,
                                 base: base, shape: shape))
    }
}

/// The PDFs of `HERAParametrisation` at one θ, with exact derivatives.
package struct PDFPoint {
    let parametrisation: HERAParametrisation
    /// The 16 parameter values.
    package let theta: [Double]
    /// Basis values q_b(x_k) [6, K] row-major (b in `HERAParametrisation.basisNames` order, k over the
    /// interior grid points), i.e. f (not x·f).
    package let basis: [Double]
    let normalisations: [Jet]
    /// x^B(1−x)^C and x^B(1−x)^C·poly of each component at each interior point [7, K] row-major.
    let base: [Double], shape: [Double]

    /// The FK flavours f_a(x_k) [7, 50] row-major on the full grid (a in g, d, u, s, dbar, ubar, sbar;
    /// 0 at x = 1).
    package func flavours() -> [Double] { expand(basis, columns: 1) }

    /// Exact Jacobian of `flavours()` with respect to the 16 parameters: [7·50, 16] row-major.
    /// Needs an evaluation of order ≥ 1.
    package func flavourJacobian() -> [Double] { expand(basisJacobian(), columns: 16) }

    /// Maps basis rows [6K, columns] to flavour rows [7·G, columns] (G = full grid).
    func expand(_ rows: [Double], columns: Int) -> [Double] {
        let p = parametrisation
        let k = p.interior.count, g = p.xgrid.count
        var out = [Double](repeating: 0, count: 7 * g * columns)
        for (b, flavours) in HERAParametrisation.flavourOfBasis.enumerated() {
            for a in flavours {
                for (i, gi) in p.interior.enumerated() {
                    for c in 0..<columns { out[(a * g + gi) * columns + c] += rows[(b * k + i) * columns + c] }
                }
            }
        }
        return out
    }

    /// Local derivative features of component `c` at grid point i: for each local parameter, ∂s/∂θ.
    @inline(__always)
    private func localDerivative(_ comp: HERAParametrisation.Component, _ ci: Int, _ i: Int, _ slot: Int) -> Double {
        let p = parametrisation
        if slot == 0 { return p.lx[i] * shape[ci * p.x.count + i] }
        if slot == 1 { return p.l1x[i] * shape[ci * p.x.count + i] }
        let pw = comp.poly[slot - 2].power
        return (pw == 1 ? p.x[i] : p.x[i] * p.x[i]) * base[ci * p.x.count + i]
    }

    /// Local parameters of a component: slot 0 = B, slot 1 = C (if a parameter), 2… = polynomial.
    private func localParameters(_ comp: HERAParametrisation.Component) -> [(slot: Int, param: Int)] {
        var r: [(Int, Int)] = [(0, comp.b)]
        if let c = comp.c { r.append((1, c)) }
        for (j, t) in comp.poly.enumerated() { r.append((2 + j, t.param)) }
        return r
    }

    /// Exact Jacobian ∂q_b(x_k)/∂θ: [6K, 16] row-major. Needs an evaluation of order ≥ 1.
    package func basisJacobian() -> [Double] {
        let p = parametrisation, k = p.interior.count, n = 16
        var jac = [Double](repeating: 0, count: 6 * k * n)
        for (ci, comp) in HERAParametrisation.components.enumerated() {
            let nj = normalisations[ci]
            precondition(nj.n == n, "PDFPoint: derivatives need an evaluation of order ≥ 1")
            let locals = localParameters(comp)
            for i in 0..<k {
                let row = (comp.basis * k + i) * n, ix = 1 / p.x[i]
                let s = shape[ci * p.x.count + i]
                for j in 0..<n where nj.gradient[j] != 0 { jac[row + j] += nj.gradient[j] * s * ix }
                for (slot, param) in locals { jac[row + param] += nj.value * localDerivative(comp, ci, i, slot) * ix }
            }
        }
        return jac
    }

    /// Σ_{b,k} w[b,k] ∂q_b(x_k)/∂θ (16 values) for weights w [6K], without forming the Jacobian:
    /// per component, Σ_k ω_k s_k times ∇N plus N times the sums of ω_k ∂s_k/∂θ over its own
    /// exponents and polynomial coefficients (ω_k = w_k / x_k).
    package func contractGradient(_ w: [Double]) -> [Double] {
        let p = parametrisation, k = p.interior.count, n = 16
        var g = [Double](repeating: 0, count: n)
        w.withUnsafeBufferPointer { wb in
            shape.withUnsafeBufferPointer { sb in
                base.withUnsafeBufferPointer { bb in
                    p.x.withUnsafeBufferPointer { xb in
                        p.lx.withUnsafeBufferPointer { lxb in
                            p.l1x.withUnsafeBufferPointer { l1b in
                                for (ci, comp) in HERAParametrisation.components.enumerated() {
                                    let o = ci * k, q = comp.basis * k
                                    var s0 = 0.0, sB = 0.0, sC = 0.0, sx = 0.0, sxx = 0.0
                                    for i in 0..<k {
                                        let xi = xb[i], om = wb[q + i] / xi
                                        let sv = om * sb[o + i], bv = om * bb[o + i]
                                        s0 += sv; sB += lxb[i] * sv; sC += l1b[i] * sv
                                        sx += xi * bv; sxx += xi * xi * bv
                                    }
                                    let nj = normalisations[ci]
                                    for j in 0..<n { g[j] += nj.gradient[j] * s0 }
                                    g[comp.b] += nj.value * sB
                                    if let c = comp.c { g[c] += nj.value * sC }
                                    for (pj, pw) in comp.poly { g[pj] += nj.value * (pw == 1 ? sx : sxx) }
                                }
                            }
                        }
                    }
                }
            }
        }
        return g
    }

    /// Σ_{b,k} w[b,k] ∂²q_b(x_k)/∂θ∂θ (16×16 row-major) for weights w [6K]. Needs order 2.
    package func contractSecond(_ w: [Double]) -> [Double] {
        let p = parametrisation, k = p.interior.count, n = 16
        var h = [Double](repeating: 0, count: n * n)
        for (ci, comp) in HERAParametrisation.components.enumerated() {
            let nj = normalisations[ci]
            precondition(nj.hessian.count == n * n, "PDFPoint: second derivatives need an evaluation of order 2")
            let locals = localParameters(comp)
            let m = 2 + comp.poly.count
            var s0 = 0.0
            var s1 = [Double](repeating: 0, count: m), s2 = [Double](repeating: 0, count: m * m)
            for i in 0..<k {
                let om = w[comp.basis * k + i] / p.x[i]
                let s = shape[ci * p.x.count + i], bv = base[ci * p.x.count + i]
                s0 += om * s
                for (a, _) in locals {
                    s1[a] += om * localDerivative(comp, ci, i, a)
                    for (b, _) in locals where b >= a {
                        // ∂²s: (B|C)(B|C): t_a t_b s; (B|C)·poly: t_a x^k base; poly·poly: 0.
                        let v: Double
                        if a < 2 && b < 2 {
                            v = (a == 0 ? p.lx[i] : p.l1x[i]) * (b == 0 ? p.lx[i] : p.l1x[i]) * s
                        } else if a < 2 {
                            let pw = comp.poly[b - 2].power
                            v = (a == 0 ? p.lx[i] : p.l1x[i]) * (pw == 1 ? p.x[i] : p.x[i] * p.x[i]) * bv
                        } else { v = 0 }
                        s2[a * m + b] += om * v
                    }
                }
            }
            for i in 0..<n { for j in 0..<n { h[i * n + j] += nj.hessian[i * n + j] * s0 } }
            for (a, pa) in locals {
                for j in 0..<n {
                    h[pa * n + j] += s1[a] * nj.gradient[j]
                    h[j * n + pa] += s1[a] * nj.gradient[j]
                }
                for (b, pb) in locals where b >= a {
                    let v = nj.value * s2[a * m + b]
                    h[pa * n + pb] += v
                    if pa != pb { h[pb * n + pa] += v }
                }
            }
        }
        return h
    }
}
