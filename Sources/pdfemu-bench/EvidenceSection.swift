import Foundation
import PDFEmu

extension BenchSection {
    /// log Z of the exact theory and of the bundled emulator on Configs/hera14_prior.json: SMC (K runs) and
    /// importance sampling from a t-mixture fitted to its particles, side by side; the posterior's
    /// distance to the prior box's edges.
    static let evidence = BenchSection(
        name: "evidence",
        summary: "log Z of the exact FK χ² and the bundled emulator (hera14 prior): SMC runs + posterior importance",
        run: EvidenceBench.run,
        child: nil)
}

/// The evidence section. Knobs: PDFEMU_EVIDENCE_RUNS (default 4), PDFEMU_EVIDENCE_SMC_PARTICLES (1000),
/// PDFEMU_EVIDENCE_POSTERIOR_SAMPLES (20000), PDFEMU_EVIDENCE_ACCEPTED_MOVES (16, the default), PDFEMU_EVIDENCE_MODELS
/// ("theory,emulator"), PDFEMU_EVIDENCE_SEED (1).
enum EvidenceBench {
    static func run() throws {
        let env = ProcessInfo.processInfo.environment
        let prior = try UniformBoxPrior.read("Configs/hera14_prior.json")
        var o = EvidenceOptions(seed: UInt64(BenchData.knob("PDFEMU_EVIDENCE_SEED", 1)))
        o.methods = [.smc, .posteriorImportance]
        o.runs = BenchData.knob("PDFEMU_EVIDENCE_RUNS", 4)
        o.smcParticles = BenchData.knob("PDFEMU_EVIDENCE_SMC_PARTICLES", 1000)
        o.posteriorSamples = BenchData.knob("PDFEMU_EVIDENCE_POSTERIOR_SAMPLES", 20000)
        if let a = env["PDFEMU_EVIDENCE_ACCEPTED_MOVES"].flatMap(Double.init) { o.acceptedMoves = a }
        BLAS.setThreads(1)
        for name in (env["PDFEMU_EVIDENCE_MODELS"] ?? "theory,emulator").split(separator: ",") {
            let model: any ScalarModel
            switch name {
            case "theory": model = try FKChiSquare.read("Datasets/hera_fk_nlo.h5")
            case "emulator": model = try Emulator.load("Datasets/hera14_emulator.h5")
            default: throw BenchError("PDFEMU_EVIDENCE_MODELS: unknown model '\(name)' (theory, emulator)")
            }
            let t0 = now()
            let r = try EvidenceRunner.compute(model: model, prior: prior, options: o)
            print(r.text(label: "evidence \(name) (\(o.runs) runs × \(o.smcParticles) particles, "
                                      + "\(o.posteriorSamples) posterior-importance draws)"), terminator: "")
            print(String(format: "evidence %@: %.1f s wall", String(name), now() - t0))
            if let smc = r.smc { print(edges(smc.posterior, names: r.parameterNames, lower: r.priorLower, upper: r.priorUpper)) }
        }
    }

    /// Per parameter: the posterior's mean ± sd, its 0.5% and 99.5% quantiles, and the share of draws
    /// within 2% of the box width from either edge.
    static func edges(_ x: [Double], names: [String], lower: [Double], upper: [Double]) -> String {
        let d = names.count, n = x.count / max(d, 1)
        var s = "  posterior vs the prior box: parameter, box, mean ± sd, [0.5%, 99.5%], share within 2% of lower/upper edge\n"
        for a in 0..<d {
            let v = (0..<n).map { x[$0 * d + a] }.sorted()
            let mean = v.reduce(0, +) / Double(n)
            let sd = (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(n - 1, 1))).squareRoot()
            let w = upper[a] - lower[a]
            let lo = Double(v.filter { $0 < lower[a] + 0.02 * w }.count) / Double(n)
            let hi = Double(v.filter { $0 > upper[a] - 0.02 * w }.count) / Double(n)
            s += "    " + pad(names[a], 7) + String(format: "[%9.4f, %9.4f]  %9.4f ± %8.4f  [%9.4f, %9.4f]  %5.1f%% / %5.1f%%\n",
                                                     lower[a], upper[a], mean, sd, v[n / 200], v[n - 1 - n / 200], 100 * lo, 100 * hi)
        }
        return s
    }
}
