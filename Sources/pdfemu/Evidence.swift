import ArgumentParser
import Foundation
import PDFEmu

struct Evidence: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "log Z = log ∫ π(θ) exp(−χ²/(2T²)) dθ for a uniform box prior, by two estimators; with two models, the Bayes factor.",
        discussion: "Estimator 1: the Laplace approximation at the modes corrected by importance sampling from it. Estimator 2: "
            + "annealed stepping stones from that reference to the posterior. Both report log Z with its standard error and ESS; "
            + "the path gives the free energy F = −log Z, ⟨χ²/2⟩ and the entropy. `pdfemu evidence A.h5 B.h5 --prior ...` prints log B_AB.")

    @Argument(help: "Emulator files (one: its evidence; two: also the Bayes factor of the first against the second).") var models: [String] = []
    @Option(help: "Emulator file (alternative to the positional argument).") var emulator: String?
    @Option(help: "The exact χ² of this FK theory file (e.g. Datasets/hera_fk_nlo.h5) instead of emulators.") var theory: String?
    @Option(parsing: .unconditional, help: "With --theory: hold theory parameters fixed: name=value,... (default: Duv=0, fs=0.4).") var fix: String?
    @Option(help: "With --theory: free theory parameters of configuration A (default: the 14 of the bundled scan).") var free: String?
    @Option(help: "With --theory: the free parameters of a second configuration B of the same theory (e.g. the 14 and Duv); prints the Bayes factor of A against B.") var freeB: String?
    @Option(help: "Uniform prior box: name=lo:hi,... for every parameter.") var prior: String?
    @Option(help: "Prior file: JSON object {\"name\": [lo, hi], ...}.") var priorFile: String?
    @Option(help: "T² of the likelihood exp(−χ²/(2T²)).") var tolerance = 1.0
    @Option(help: "Importance samples.") var samples = 4000
    @Option(help: "Annealing particles.") var particles = 256
    @Option(help: "Annealing temperatures.") var temperatures = 48
    @Option(help: "Metropolis moves per particle and temperature.") var moves = 3
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Training points used as starts for the minimisation.") var starts = 8
    @Flag(help: "Print JSON instead of the summary.") var json = false

    func run() throws {
        try PDFEmuCommand.guarded {
            let files = models + (emulator.map { [$0] } ?? [])
            if theory == nil && (fix != nil || free != nil || freeB != nil) { throw PDFEmuError("--fix, --free and --free-b need --theory") }
            if let theory, !files.isEmpty { throw PDFEmuError("give emulator files or --theory \(theory), not both") }
            guard theory != nil || (1...2).contains(files.count) else {
                throw PDFEmuError("give one emulator (its evidence) or two (their Bayes factor), got \(files.count)")
            }
            let box: UniformBoxPrior
            switch (prior, priorFile) {
            case let (text?, nil): box = UniformBoxPrior(ranges: try ScanOptionParsing.ranges(text, option: "--prior"))
            case let (nil, path?): box = try UniformBoxPrior.load(path)
            case (nil, nil): throw PDFEmuError("--prior name=lo:hi,... (or --prior-file) is required: the evidence depends on the prior")
            default: throw PDFEmuError("give --prior or --prior-file, not both")
            }
            let o = EvidenceOptions(temperature2: tolerance, samples: samples, particles: particles, temperatures: temperatures,
                                    moves: moves, seed: seed, starts: starts)
            try o.check()
            var loaded: [any ScalarModel]
            var labels: [String]
            if let theory {
                loaded = [try makeTheory(theory, fix: fix, free: free, q2Min: TheoryOptions.defaultQ2Min)]
                labels = ["theory A (free: \(loaded[0].parameterNames.joined(separator: ",")))"]
                if let freeB {
                    let b = try makeTheory(theory, fix: fix, free: freeB, q2Min: TheoryOptions.defaultQ2Min)
                    loaded.append(b)
                    labels.append("theory B (free: \(b.parameterNames.joined(separator: ",")))")
                }
            } else {
                loaded = try files.map { try loadScalarModel($0) }
                labels = files.map { URL(fileURLWithPath: $0).lastPathComponent }
            }
            for m in loaded { _ = try box.box(for: m.parameterNames) }
            let results = try loaded.map { try EvidenceRunner.compute(model: $0, prior: box, options: o) }
            for (r, l) in zip(results, labels) where !r.logZ.isFinite || !r.logZError.isFinite || !r.logPriorVolume.isFinite {
                throw PDFEmuError("\(l): log Z = \(r.logZ) ± \(r.logZError) is not finite (log prior volume \(r.logPriorVolume)); "
                                  + "the prior box is too wide or the χ² undefined in it; give a narrower --prior")
            }
            let factor = results.count == 2 ? BayesFactor(results[0], results[1], labels: (labels[0], labels[1])) : nil
            if json {
                struct Out: Encodable { var results: [EvidenceResult]; var bayesFactor: BayesFactor? }
                print(try Fmt.json(Out(results: results, bayesFactor: factor)))
            } else {
                for (r, l) in zip(results, labels) { print(EvidenceReport.text(r, label: l), terminator: "") }
                if let factor { print(EvidenceReport.text(factor), terminator: "") }
            }
        }
    }
}
