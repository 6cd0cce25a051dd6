import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn

/// The terminal summary of a scan: minimum, Hessian errors and profile intervals at each Δχ² level,
/// contours, Lagrange scans, warnings, timing.
package enum ScanReport {
    /// Readable multi-line text. Interval ends marked "*" have their profiled point outside the
    /// training domain, "~" were linearly interpolated (not refined), "open" never crossed in the grid.
    fileprivate static func render(_ r: ScanResult) -> String {
        var out = ""
        func line(_ s: String = "") { out += s + "\n" }
        let names = r.parameterNames
        let width = max(10, (names.map { $0.count }.max() ?? 0) + 2)
        var head = "scan of \(names.count) parameters, run \(r.runID)"
        if let sh = r.shard { head += ", shard \(sh.index)/\(sh.count) (\(r.profiles.count + r.contours.count + r.lagrange.count + (r.mcmc?.chains.count ?? 0)) of \(r.units.count) units)" }
        line(head)
        let mn = r.minimum
        let nConv = mn.startConverged.filter { $0 }.count
        line("minimum: χ²_min = \(Fmt.fixed(mn.chi2, 4)) (\(mn.converged ? "converged" : "NOT converged: " + mn.status.rawValue), "
             + "\(mn.iterations) iterations; \(nConv) of \(mn.startConverged.count) starts converged; "
             + (mn.sampleMinimum.map { "lowest training χ² \(Fmt.fixed($0, 4)))" } ?? "exact model)"))
        if let dm = mn.domain {
            let spread: String
            switch mn.spreadStatus {
            case .some(let st) where !st.hasSpread: spread = st.label
            case .some(let st): spread = "\(st.label) at the minimum ±\(Fmt.num(mn.spread, width: 0, digits: 3)) (χ² units)"
            case nil: spread = "ensemble spread at the minimum ±\(Fmt.num(mn.spread, width: 0, digits: 3)) (χ² units)"
            }
            line("  " + spread + "; " + (dm.inside ? "inside the training domain" : "OUTSIDE the training domain"))
        }
        if !mn.perExperiment.isEmpty && mn.perExperiment.count == r.experimentNames.count {
            line("  per-experiment χ²: " + zip(r.experimentNames, mn.perExperiment)
                    .map { "\($0)=\(Fmt.fixed($1, 2))" }.joined(separator: "  "))
        }
        let fixed = names.indices.filter { mn.constraints[$0].isFixed }
        if !fixed.isEmpty { line("  fixed: " + fixed.map { "\(names[$0])=\(mn.theta[$0])" }.joined(separator: ", ")) }
        let bounded = names.indices.filter { if case .bounded = mn.constraints[$0] { return true } else { return false } }
        if !bounded.isEmpty { line("  bounded: " + bounded.map { "\(names[$0]) \(mn.constraints[$0].label)" }.joined(separator: ", ")) }
        let h = r.hessian
        if let lo = h.eigenvalues.first, let hi = h.eigenvalues.last {
            line("Hessian H = ½∂²χ² over \(h.parameters.count) free parameters: eigenvalues \(Fmt.num(lo, width: 0, digits: 3)) … "
                 + "\(Fmt.num(hi, width: 0, digits: 3)); " + (h.positiveDefinite ? "positive definite" : "NOT positive definite"))
        }
        // One table per tolerance: best fit, Hessian error, profile interval (asymmetric).
        let profiles = Dictionary(r.profiles.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        for (t, t2) in r.tolerances.enumerated() {
            line()
            line("errors at Δχ² = \(Fmt.num(t2, width: 0, digits: 4)) (T = \(Fmt.num(t2.squareRoot(), width: 0, digits: 4))): "
                 + "Hessian δθ = T·√(H⁻¹)_aa; profile = where the 1D profile crosses Δχ² = \(Fmt.num(t2, width: 0, digits: 4))")
            line(Fmt.pad("parameter", width) + Fmt.pad("best fit", 14, right: true) + Fmt.pad("Hessian ±", 14, right: true)
                 + Fmt.pad("profile −", 15, right: true) + Fmt.pad("profile +", 15, right: true) + "  interval")
            for a in names.indices {
                var s = Fmt.pad(names[a], width) + Fmt.num(mn.theta[a], width: 14, digits: 6)
                if mn.constraints[a].isFixed { line(s + "  (fixed)"); continue }
                let he = h.sigma(ofParameter: a).map { $0 * t2.squareRoot() }
                s += Fmt.pad(he.map { Fmt.num($0, width: 0, digits: 4) } ?? "n/a", 14, right: true)
                if let pr = profiles[a], t < pr.intervals.count {
                    let iv = pr.intervals[t]
                    let mark = { (inside: Bool) in (inside ? "" : "*") + (iv.refined ? "" : "~") }
                    let lo = iv.lower.map { Fmt.num($0 - pr.best, width: 0, digits: 4) + mark(iv.lowerInside) } ?? "open"
                    let hi = iv.upper.map { "+" + Fmt.num($0 - pr.best, width: 0, digits: 4) + mark(iv.upperInside) } ?? "open"
                    s += Fmt.pad(lo, 15, right: true) + Fmt.pad(hi, 15, right: true)
                    s += "  [" + (iv.lower.map { Fmt.num($0, width: 0, digits: 6) } ?? "…") + ", "
                        + (iv.upper.map { Fmt.num($0, width: 0, digits: 6) } ?? "…") + "]"
                }
                line(s)
            }
        }
        if r.profiles.contains(where: { !$0.inside.allSatisfy { $0 } }) || r.profiles.contains(where: { $0.intervals.contains { !$0.lowerInside || !$0.upperInside } }) {
            line("  * profiled point outside the training domain (the emulator is extrapolating there)")
        }
        if r.profiles.contains(where: { $0.intervals.contains { !$0.refined } }) {
            line("  ~ linear interpolation between grid points (refinement off or failed)")
        }
        for c in r.contours {
            line()
            line("contour \(c.a), \(c.b) (profiled over the other parameters):")
            for l in c.levels {
                let nOut = l.inside.filter { !$0 }.count, nOpen = l.open.filter { $0 }.count
                line("  Δχ² = \(Fmt.num(l.level, width: 0, digits: 4)): \(l.a.count) vertices, \(c.a) ∈ ["
                     + "\(Fmt.num(l.a.min() ?? .nan, width: 0, digits: 5)), \(Fmt.num(l.a.max() ?? .nan, width: 0, digits: 5))], \(c.b) ∈ ["
                     + "\(Fmt.num(l.b.min() ?? .nan, width: 0, digits: 5)), \(Fmt.num(l.b.max() ?? .nan, width: 0, digits: 5))]"
                     + (nOpen > 0 ? "; \(nOpen) open rays" : "") + (nOut > 0 ? "; \(nOut) vertices outside the training domain*" : ""))
            }
        }
        for l in r.lagrange {
            line()
            line("Lagrange scan \(l.name): q = \(l.definition); q at the minimum = \(Fmt.num(l.best, width: 0, digits: 6)), "
                 + "Hessian ±\(Fmt.num(l.sigma, width: 0, digits: 4)) at Δχ² = 1")
            for iv in l.intervals {
                let lo = iv.lower.map { Fmt.num($0, width: 0, digits: 6) + (iv.lowerInside ? "" : "*") } ?? "open"
                let hi = iv.upper.map { Fmt.num($0, width: 0, digits: 6) + (iv.upperInside ? "" : "*") } ?? "open"
                line("  Δχ² = \(Fmt.num(iv.tolerance, width: 0, digits: 4)): q ∈ [\(lo), \(hi)]  (Hessian ±"
                     + "\(Fmt.num(l.sigma * iv.tolerance.squareRoot(), width: 0, digits: 4)))")
            }
        }
        if let mc = r.mcmc {
            line()
            let ids = mc.chains.map { String($0.index) }.joined(separator: ", ")
            line("MCMC: \(mc.chains.count) of \(mc.chainCount) independent run\(mc.chainCount == 1 ? "" : "s") (run \(ids); seed + run number), "
                 + "started around the minimum with the Hessian covariance T²·H⁻¹; free parameters only"
                 + (mc.chains.count > 1 ? "; combined: samples pooled, R̂ over all walkers of all runs, ESS summed, τ averaged" : ""))
            out += mc.combined.summaryText()
        }
        let warnings = mn.warnings + h.warnings + r.profiles.flatMap { $0.warnings } + r.contours.flatMap { $0.warnings }
            + r.lagrange.flatMap { $0.warnings }
        let notes = r.notes ?? []
        if !warnings.isEmpty || !notes.isEmpty {
            line()
            for n in notes { line("note: " + n) }
            for w in warnings { line("warning: " + w) }
        }
        if let t = r.timing {
            line()
            line("time: \(Fmt.fixed(t.seconds, 3)) s; \(t.profiledPoints) profiled points (constrained minimisations) in "
                 + "\(Fmt.fixed(t.unitSeconds, 3)) s = \(Fmt.fixed(t.pointsPerSecond, 0)) points/s, "
                 + "\(t.modelEvaluations) model evaluations, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        }
        return out
    }
}

extension ScanResult {
    /// The terminal summary (`ScanReport`).
    package func text() -> String { ScanReport.render(self) }
}
