import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
import PDFEmuLearn
/// The text summary of a `Verification`: one line per answer (emulated and true Δχ², error, ε, status).
package enum VerificationReport {
    /// The summary block printed after a scan's summary by `pdfemu scan --verify`.
    fileprivate static func render(_ v: Verification) -> String {
        var s = "\nVerification against \(v.oracle): \(v.certifiedCount) of \(v.answers.count) answers certified "
            + "(ε = max(\(Fmt.num(v.options.epsilonFloor, width: 0, digits: 4)), \(Fmt.num(v.options.epsilonSlope, width: 0, digits: 4))·T²))\n"
        s += "  χ² at the emulator's minimum: emulated \(Fmt.fixed(v.emulatedChi2Min, 4)), true \(Fmt.fixed(v.trueChi2AtMinimum, 4)) "
            + "(true − emulated \(Fmt.fixed(v.chi2MinDifference, 4)))\n"
        s += "  " + Fmt.pad("answer", 34) + Fmt.pad("value", 13, right: true) + Fmt.pad("Δχ²_emu", 10, right: true)
            + Fmt.pad("Δχ²_true", 10, right: true) + Fmt.pad("|error|", 9, right: true) + Fmt.pad("ε", 7, right: true) + "  status\n"
        for (a, ans) in v.answers.enumerated() {
            let pts = v.points.filter { $0.answer == a }
            // The point of the answer with the largest error is shown.
            let worst = pts.max { abs($0.error.isNaN ? .infinity : $0.error) < abs($1.error.isNaN ? .infinity : $1.error) }
            let emu = ans.kind == "minimum" ? v.emulatedChi2Min : worst?.emulatedDelta
            let tru = ans.kind == "minimum" ? v.trueChi2AtMinimum : worst?.trueDelta
            func f(_ x: Double?, _ w: Int, _ d: Int) -> String { Fmt.pad(x.map { $0.isFinite ? Fmt.fixed($0, d) : "—" } ?? "—", w, right: true) }
            let status = ans.certified ? "certified" : "NOT CERTIFIED" + (ans.note.isEmpty ? "" : " (\(ans.note))")
            s += "  " + Fmt.pad(ans.name, 34) + Fmt.pad(ans.value.map { Fmt.num($0, width: 0, digits: 6) } ?? "—", 13, right: true)
                + (ans.kind == "mcmc" ? Fmt.pad("", 20) : f(emu, 10, 3) + f(tru, 10, 3))
                + f(ans.error, 9, 4) + f(ans.epsilon, 7, 3) + "  " + status + "\n"
        }
        if let m = v.mcmc {
            s += "  MCMC: \(m.weights.count) samples verified, importance-weight ESS \(Fmt.fixed(m.effectiveSampleSize, 1)); "
                + "reweighted mean ± σ (emulated):\n"
            for (j, name) in m.parameterNames.enumerated() {
                s += "    " + Fmt.pad(name, 8) + Fmt.num(m.reweightedMean[j], width: 12, digits: 6) + " ± " + Fmt.num(m.reweightedSigma[j], width: 0, digits: 4)
                    + "   (" + Fmt.num(m.mean[j], width: 0, digits: 6) + " ± " + Fmt.num(m.sigma[j], width: 0, digits: 4) + ")\n"
            }
        }
        return s
    }
}

extension Verification {
    /// The terminal summary (`VerificationReport`).
    package func text() -> String { VerificationReport.render(self) }
}
