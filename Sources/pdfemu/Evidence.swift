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
            guard (1...2).contains(files.count) else { throw PDFEmuError("give one emulator (its evidence) or two (their Bayes factor), got \(files.count)") }
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
            let loaded = try files.map { try loadScalarModel($0) }
            for m in loaded { _ = try box.box(for: m.parameterNames) }
            let results = try loaded.map { try EvidenceRunner.compute(model: $0, prior: box, options: o) }
            let labels = files.map { URL(fileURLWithPath: $0).lastPathComponent }
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
