import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn
/// The text summary of an evidence computation.
package enum EvidenceReport {
    fileprivate static func render(_ r: EvidenceResult, label: String) -> String {
        var s = "\(label): \(r.parameterNames.count) parameters, χ²_min = \(Fmt.fixed(r.chi2Minimum, 4)), T² = \(Fmt.num(r.temperature2, width: 0, digits: 4)), "
        s += "log V(prior box) = \(Fmt.fixed(r.logPriorVolume, 4)), \(r.modes.count) mode(s)\n"
        s += "  Laplace                        log Z = \(Fmt.fixed(r.laplaceLogZ, 4))\n"
        if let smc = r.smc {
            s += "  " + Fmt.pad("SMC (\(smc.runs.count) runs)", 30) + " log Z = \(Fmt.fixed(smc.logZ, 4)) ± \(Fmt.fixed(smc.error, 4))"
                + " (68.3%), ± \(Fmt.fixed(smc.error2Sigma, 4)) (95.4%)"
                + "   (Student-t intervals from the spread of \(smc.runs.count) independent runs; ESS \(Fmt.fixed(smc.effectiveSampleSize, 0)) of "
                + "\(smc.runs.count * smc.particles) particles, \(smc.evaluations) χ² evaluations, \(Fmt.fixed(smc.seconds, 1)) s)\n"
            s += "    run" + Fmt.pad("log Z", 14, right: true) + Fmt.pad("temps", 7, right: true) + Fmt.pad("final ESS", 11, right: true)
                + Fmt.pad("min ESS", 9, right: true) + Fmt.pad("distinct", 10, right: true) + Fmt.pad("accept", 8, right: true)
                + Fmt.pad("sweeps", 8, right: true) + Fmt.pad("evals", 10, right: true) + Fmt.pad("s", 7, right: true) + "\n"
            for (k, run) in smc.runs.enumerated() {
                s += "    " + Fmt.pad(String(k + 1), 3) + Fmt.pad(Fmt.fixed(run.logZ, 4), 14, right: true) + Fmt.pad(String(run.temperatures), 7, right: true)
                    + Fmt.pad(Fmt.fixed(run.finalESS, 0), 11, right: true) + Fmt.pad(Fmt.fixed(run.minimumESS, 0), 9, right: true)
                    + Fmt.pad(Fmt.fixed(100 * run.distinctFraction, 1) + "%", 10, right: true)
                    + Fmt.pad(Fmt.fixed(100 * run.acceptance, 1) + "%", 8, right: true) + Fmt.pad(String(run.sweeps), 8, right: true)
                    + Fmt.pad(String(run.evaluations), 10, right: true) + Fmt.pad(Fmt.fixed(run.seconds, 1), 7, right: true) + "\n"
            }
        }
        for e in [r.importance, r.annealed, r.posteriorImportance].compactMap({ $0 }) {
            s += "  " + Fmt.pad(e.method, 30) + " log Z = \(Fmt.fixed(e.logZ, 4)) ± \(Fmt.fixed(e.error, 4))"
                + "   (ESS \(Fmt.fixed(e.effectiveSampleSize, 1)) of \(e.count), \(e.evaluations) χ² evaluations)\n"
        }
        let which = r.posteriorImportance != nil ? "log Z (posterior importance)" : r.smc != nil ? "log Z (SMC)" : "combined"
        s += "  " + Fmt.pad(which, 30) + " log Z = \(Fmt.fixed(r.logZ, 4)) ± \(Fmt.fixed(r.logZError, 4))   F = −log Z = \(Fmt.fixed(r.freeEnergy, 4))\n"
        s += "  posterior: ⟨χ²/(2T²)⟩ = \(Fmt.fixed(r.meanEnergy, 4)), entropy S = \(Fmt.fixed(r.entropy, 4)) nats"
            + (r.acceptance.map { "; annealing acceptance \(Fmt.fixed(100 * $0, 1))%" } ?? "") + "\n"
        if !r.path.isEmpty {
            s += "  path q^(1−β)·(πL)^β:" + Fmt.pad("β", 8, right: true) + Fmt.pad("log Z_β", 12, right: true) + Fmt.pad("F_β", 12, right: true)
                + Fmt.pad("⟨χ²/2T²⟩", 15, right: true) + Fmt.pad("S_β", 10, right: true) + Fmt.pad("ESS", 8, right: true) + "\n"
        }
        for p in r.path {
            s += String(repeating: " ", count: 22) + Fmt.pad(Fmt.fixed(p.beta, 3), 8, right: true) + Fmt.pad(Fmt.fixed(p.logZ, 4), 12, right: true)
                + Fmt.pad(Fmt.fixed(p.freeEnergy == 0 ? 0 : p.freeEnergy, 4), 12, right: true) + Fmt.pad(Fmt.num(p.meanEnergy, width: 0, digits: 7), 15, right: true)
                + Fmt.pad(Fmt.fixed(p.entropy, 3), 10, right: true) + Fmt.pad(Fmt.fixed(p.effectiveSampleSize, 1), 8, right: true) + "\n"
        }
        for w in r.warnings { s += "warning: \(w)\n" }
        return s
    }

    /// The oracle correction of an emulator's log Z; `advice` is the line printed when its ESS is too low.
    fileprivate static func render(_ c: EvidenceCorrection, advice: String) -> String {
        var s = "  corrected by \(c.oracle) at \(c.points) posterior draws (\(c.defined) defined): χ²_true − χ²_emu = "
            + "\(Fmt.fixed(c.meanDifference, 4)) ± \(Fmt.fixed(c.sdDifference, 4)) (mean ± sd)\n"
        s += "  correction log E[exp(−Δχ²/(2T²))] = \(Fmt.fixed(c.logCorrection, 4)) ± \(Fmt.fixed(c.error, 4))"
            + "   (ESS \(Fmt.fixed(c.effectiveSampleSize, 1)) of \(c.points); delta method \(Fmt.fixed(c.deltaMethodError, 4)), bootstrap \(Fmt.fixed(c.bootstrapError, 4)))\n"
        s += "  corrected log Z (true χ²)      log Z = \(Fmt.fixed(c.logZ, 4)) ± \(Fmt.fixed(c.logZError, 4))\n"
        if !c.trusted { s += "warning: \(advice)\n" }
        return s
    }

    /// The oracle correction over the inflated proposal; `advice` is the line printed when its ESS is too low.
    fileprivate static func render(_ c: ProposalCorrection, advice: String) -> String {
        var s = "  corrected by \(c.oracle) at \(c.points) proposal draws (\(c.defined) in the box and defined): χ²_true − χ²_emu = "
            + "\(Fmt.fixed(c.meanDifference, 4)) ± \(Fmt.fixed(c.sdDifference, 4)) (mean ± sd under the true posterior)\n"
        s += "  true-χ² importance alone       log Z = \(Fmt.fixed(c.directLogZ, 4)) ± \(Fmt.fixed(c.directError, 4))"
            + "   (ESS \(Fmt.fixed(c.effectiveSampleSize, 1)) of \(c.points); emulator weights' ESS \(Fmt.fixed(c.emulatorESS, 1)))\n"
        s += "  corrected log Z (true χ²)      log Z = \(Fmt.fixed(c.logZ, 4)) ± \(Fmt.fixed(c.logZError, 4))"
            + "   (emulator as control variate, c = \(Fmt.fixed(c.coefficient, 3)); correction \(Fmt.fixed(c.logCorrection, 4)); "
            + "delta method \(Fmt.fixed(c.deltaMethodError, 4)), bootstrap \(Fmt.fixed(c.bootstrapError, 4)))\n"
        if !c.trusted { s += "warning: \(advice)\n" }
        return s
    }

    fileprivate static func render(_ b: BayesFactor) -> String {
        "Bayes factor \(b.labelA) vs \(b.labelB): log B = \(Fmt.fixed(b.logB, 4)) ± \(Fmt.fixed(b.error, 4)) (1σ), "
            + "± \(Fmt.fixed(b.error2Sigma, 4)) (2σ) "
            + "(B = \(Fmt.num(exp(b.logB), width: 0, digits: 4)); > 0 favours \(b.labelA))\n"
    }
}

import Foundation

extension EvidenceResult {
    /// The terminal summary (`EvidenceReport`).
    package func text(label: String) -> String { EvidenceReport.render(self, label: label) }
}

extension EvidenceCorrection {
    /// The terminal summary (`EvidenceReport`).
    package func text(advice: String) -> String { EvidenceReport.render(self, advice: advice) }
}

extension ProposalCorrection {
    /// The oracle correction over the inflated proposal; `advice` is the line printed when its ESS is too low.
    package func text(advice: String) -> String { EvidenceReport.render(self, advice: advice) }
}

extension BayesFactor {
    /// The terminal summary (`EvidenceReport`).
    package func text() -> String { EvidenceReport.render(self) }
}
