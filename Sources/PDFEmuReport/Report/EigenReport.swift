import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn
/// The text summary of an eigenvector set.
package enum EigenReport {
    fileprivate static func render(_ r: EigenvectorSetResult) -> String {
        var s = "χ²_min = \(Fmt.fixed(r.minimum.chi2, 4))   T² = \(Fmt.num(r.tolerance, width: 0, digits: 4))   "
        s += "\(r.directions.count) directions, \(r.members.count) members (LHAPDF numbering)"
        s += r.basis.iterations > 0 ? ", CT re-diagonalised \(r.basis.iterations)× (residual \(Fmt.num(r.basis.residual, width: 0, digits: 2)))\n" : "\n"
        s += "\nEigenvector ends (t: distance in Δχ²=1 units along d_k; quadratic prediction t = T = \(Fmt.fixed(r.tolerance.squareRoot(), 4)))\n"
        s += Fmt.pad("k", 4) + Fmt.pad("λ_k", 12, right: true) + Fmt.pad("t+", 10, right: true) + Fmt.pad("t+/T", 8, right: true)
            + Fmt.pad("Δχ²+", 11, right: true) + Fmt.pad("Δχ²(T)+", 10, right: true) + Fmt.pad("t−", 10, right: true)
            + Fmt.pad("t−/T", 8, right: true) + Fmt.pad("Δχ²−", 11, right: true) + Fmt.pad("Δχ²(T)−", 10, right: true) + "\n"
        func cell(_ x: Double?, _ w: Int, _ d: Int) -> String { Fmt.pad(x.map { Fmt.fixed($0, d) } ?? "open", w, right: true) }
        for d in r.directions {
            s += Fmt.pad(String(d.index), 4) + Fmt.pad(Fmt.num(d.eigenvalue, width: 0, digits: 4), 12, right: true)
            for e in [d.plus, d.minus] {
                s += cell(e.distance, 10, 4) + cell(e.ratio, 8, 3) + cell(e.deltaChi2, 11, 6) + cell(e.deltaChi2AtQuadratic, 10, 3)
            }
            s += (d.plus.inside && d.minus.inside) || d.plus.theta == nil || d.minus.theta == nil ? "\n" : "  *outside training region\n"
        }
        if !r.quantities.isEmpty {
            s += "\nMaster formulas at T² = \(Fmt.num(r.tolerance, width: 0, digits: 4)) vs Lagrange-scan interval\n"
            s += Fmt.pad("quantity", 22) + Fmt.pad("X0", 12, right: true) + Fmt.pad("±sym", 11, right: true) + Fmt.pad("+asym", 11, right: true)
                + Fmt.pad("−asym", 11, right: true) + Fmt.pad("L2 +", 11, right: true) + Fmt.pad("L2 −", 11, right: true) + "\n"
            for q in r.quantities {
                s += Fmt.pad(q.name, 22) + Fmt.pad(Fmt.num(q.central, width: 0, digits: 6), 12, right: true)
                for v in [q.symmetric, q.plus, q.minus] { s += Fmt.pad(Fmt.num(v, width: 0, digits: 4), 11, right: true) }
                let up = q.lagrange?.upper.map { $0 - q.central }, down = q.lagrange?.lower.map { q.central - $0 }
                for v in [up, down] { s += Fmt.pad(v.map { Fmt.num($0, width: 0, digits: 4) } ?? (q.lagrange == nil ? "" : "open"), 11, right: true) }
                if !q.incompleteDirections.isEmpty { s += "  (open ends: directions \(q.incompleteDirections.map(String.init).joined(separator: ",")))" }
                s += "\n"
            }
        }
        if let d = r.dynamic {
            s += "\nDynamic tolerance (CT tier-2, \(d.mapping.rawValue) mapping, S_E ≤ \(Fmt.fixed(d.level, 4)))"
            if !d.alreadyOutside.isEmpty { s += "; already outside at the minimum, not used: " + d.alreadyOutside.joined(separator: ", ") }
            s += "\n" + Fmt.pad("k", 4) + Fmt.pad("T²+", 10, right: true) + "  " + Fmt.pad("set by (+)", 22) + Fmt.pad("T²−", 10, right: true) + "  set by (−)\n"
            for dir in d.directions {
                s += Fmt.pad(String(dir.index), 4)
                for e in [dir.plus, dir.minus] {
                    s += cell(e.deltaChi2, 10, 3) + "  " + Fmt.pad(e.experiment ?? "(open)", 22)
                }
                s += "\n"
            }
            for q in d.quantities {
                s += "  \(q.name): \(Fmt.num(q.central, width: 0, digits: 6)) ± \(Fmt.num(q.symmetric, width: 0, digits: 4)) "
                    + "(+\(Fmt.num(q.plus, width: 0, digits: 4)) −\(Fmt.num(q.minus, width: 0, digits: 4)))\n"
            }
        }
        for w in r.warnings { s += "warning: \(w)\n" }
        return s
    }
}

extension EigenvectorSetResult {
    /// The terminal summary (`EigenReport`).
    package func text() -> String { EigenReport.render(self) }
}
