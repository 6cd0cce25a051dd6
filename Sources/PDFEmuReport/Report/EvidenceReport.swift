import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn
/// The text summary of an evidence computation.
package enum EvidenceReport {
    package static func text(_ r: EvidenceResult, label: String) -> String {
        var s = "\(label): \(r.parameterNames.count) parameters, χ²_min = \(Fmt.fixed(r.chi2Minimum, 4)), T² = \(Fmt.num(r.temperature2, width: 0, digits: 4)), "
        s += "log V(prior box) = \(Fmt.fixed(r.logPriorVolume, 4)), \(r.modes.count) mode(s)\n"
        s += "  Laplace                        log Z = \(Fmt.fixed(r.laplaceLogZ, 4))\n"
        for e in [r.importance, r.annealed] {
            s += "  " + Fmt.pad(e.method, 30) + " log Z = \(Fmt.fixed(e.logZ, 4)) ± \(Fmt.fixed(e.error, 4))"
                + "   (ESS \(Fmt.fixed(e.effectiveSampleSize, 1)) of \(e.count), \(e.evaluations) χ² evaluations)\n"
        }
        s += "  combined                       log Z = \(Fmt.fixed(r.logZ, 4)) ± \(Fmt.fixed(r.logZError, 4))   F = −log Z = \(Fmt.fixed(r.freeEnergy, 4))\n"
        s += "  posterior: ⟨χ²/(2T²)⟩ = \(Fmt.fixed(r.meanEnergy, 4)), entropy S = \(Fmt.fixed(r.entropy, 4)) nats; "
            + "annealing acceptance \(Fmt.fixed(100 * r.acceptance, 1))%\n"
        s += "  path q^(1−β)·(πL)^β:" + Fmt.pad("β", 8, right: true) + Fmt.pad("log Z_β", 12, right: true) + Fmt.pad("F_β", 12, right: true)
            + Fmt.pad("⟨χ²/2T²⟩", 15, right: true) + Fmt.pad("S_β", 10, right: true) + Fmt.pad("ESS", 8, right: true) + "\n"
        for p in r.path {
            s += String(repeating: " ", count: 22) + Fmt.pad(Fmt.fixed(p.beta, 3), 8, right: true) + Fmt.pad(Fmt.fixed(p.logZ, 4), 12, right: true)
                + Fmt.pad(Fmt.fixed(p.freeEnergy == 0 ? 0 : p.freeEnergy, 4), 12, right: true) + Fmt.pad(Fmt.num(p.meanEnergy, width: 0, digits: 7), 15, right: true)
                + Fmt.pad(Fmt.fixed(p.entropy, 3), 10, right: true) + Fmt.pad(Fmt.fixed(p.effectiveSampleSize, 1), 8, right: true) + "\n"
        }
        for w in r.warnings { s += "warning: \(w)\n" }
        return s
    }

    package static func text(_ b: BayesFactor) -> String {
        "Bayes factor \(b.labelA) vs \(b.labelB): log B = \(Fmt.fixed(b.logB, 4)) ± \(Fmt.fixed(b.error, 4)) "
            + "(B = \(Fmt.num(exp(b.logB), width: 0, digits: 4)); > 0 favours \(b.labelA))\n"
    }
}

import Foundation
