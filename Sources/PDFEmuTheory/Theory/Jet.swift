import Foundation
import PDFEmuCore
import PDFEmuIO

/// A scalar with its exact gradient and (optionally) Hessian with respect to the n ≤ 16 parameters of
/// the theory: forward-mode differentiation of the sum-rule normalisations. The gradient is stored
/// inline (no allocation; entries ≥ n stay 0, n = 0: values only); `hessian` is n×n row-major, or
/// empty when only first derivatives are carried (order 1).
struct Jet {
    /// Most parameters a jet carries.
    static let capacity = 16
    var value: Double
    var gradient: InlineArray<16, Double>
    /// Number of parameters n (0: no derivatives).
    var n: Int
    var hessian: [Double]

    /// The constant `value` (zero derivatives) in n dimensions.
    init(constant value: Double, n: Int, order: Int) {
        precondition(n <= Self.capacity, "Jet: at most \(Self.capacity) parameters")
        self.value = value
        self.gradient = InlineArray(repeating: 0)
        self.n = n
        self.hessian = order >= 2 ? [Double](repeating: 0, count: n * n) : []
    }

    /// Parameter i at `value` (+ `offset`): gradient e_i.
    init(parameter i: Int, value: Double, offset: Double = 0, n: Int, order: Int) {
        self.init(constant: value + offset, n: n, order: order)
        if n > 0 { gradient[i] = 1 }
    }

    var order: Int { hessian.isEmpty ? 1 : 2 }

    /// φ(a, b) given its partial derivatives at (a.value, b.value) (second ones used at order 2).
    static func compose(_ v: Double, _ a: Jet, _ b: Jet, da: Double, db: Double,
                        daa: Double, dab: Double, dbb: Double) -> Jet {
        let n = a.n
        var r = Jet(constant: v, n: n, order: min(a.order, b.order))
        for i in 0..<n { r.gradient[i] = da * a.gradient[i] + db * b.gradient[i] }
        if r.order == 2 {
            for i in 0..<n {
                let ai = a.gradient[i], bi = b.gradient[i]
                for j in 0..<n {
                    let aj = a.gradient[j], bj = b.gradient[j]
                    r.hessian[i * n + j] = da * a.hessian[i * n + j] + db * b.hessian[i * n + j]
                        + daa * ai * aj + dab * (ai * bj + bi * aj) + dbb * bi * bj
                }
            }
        }
        return r
    }

    static func + (a: Jet, b: Jet) -> Jet {
        compose(a.value + b.value, a, b, da: 1, db: 1, daa: 0, dab: 0, dbb: 0)
    }
    static func - (a: Jet, b: Jet) -> Jet {
        compose(a.value - b.value, a, b, da: 1, db: -1, daa: 0, dab: 0, dbb: 0)
    }
    static func * (a: Jet, b: Jet) -> Jet {
        compose(a.value * b.value, a, b, da: b.value, db: a.value, daa: 0, dab: 1, dbb: 0)
    }
    static func / (a: Jet, b: Jet) -> Jet {
        let q = a.value / b.value, ib = 1 / b.value
        return compose(q, a, b, da: ib, db: -q * ib, daa: 0, dab: -ib * ib, dbb: 2 * q * ib * ib)
    }
    static func * (s: Double, a: Jet) -> Jet {
        var r = a
        r.value *= s
        for i in 0..<r.n { r.gradient[i] *= s }
        for i in r.hessian.indices { r.hessian[i] *= s }
        return r
    }
    static func + (s: Double, a: Jet) -> Jet {
        var r = a
        r.value += s
        return r
    }

    /// The Euler Beta function B(a, b) = Γ(a)Γ(b)/Γ(a+b) (a, b > 0) through ln B, with ψ and ψ′.
    static func beta(_ a: Jet, _ b: Jet) -> Jet {
        let av = a.value, bv = b.value
        let v = exp(Polygamma.logBeta(av, bv))
        if a.n == 0 { return Jet(constant: v, n: 0, order: 0) }
        let pab = Polygamma.digamma(av + bv)
        let la = Polygamma.digamma(av) - pab, lb = Polygamma.digamma(bv) - pab
        guard min(a.order, b.order) == 2 else {
            return compose(v, a, b, da: v * la, db: v * lb, daa: 0, dab: 0, dbb: 0)
        }
        let tab = Polygamma.trigamma(av + bv)
        let laa = Polygamma.trigamma(av) - tab, lbb = Polygamma.trigamma(bv) - tab, lab = -tab
        return compose(v, a, b, da: v * la, db: v * lb, daa: v * (laa + la * la), dab: v * (lab + la * lb),
                       dbb: v * (lbb + lb * lb))
    }
}

