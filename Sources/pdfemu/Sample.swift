import ArgumentParser
import Foundation
import PDFEmu

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a design of points around the χ² minimum (rays, Sobol box, Gaussian): with --theory, written with its exact χ² as a scan file; with --emulator, the points only.")

    @OptionGroup var source: ModelSourceArguments
    @Option(help: "Number of points.") var n: Int
    @Option(help: "Random seed (the same seed gives the same file).") var seed: UInt64 = 1
    @OptionGroup var outputFile: RequiredOutputArguments<OutputHelp>
    var output: String { outputFile.output }
    enum OutputHelp: OptionHelp { static let help: ArgumentHelp = "File to write (a scan file with --theory, points only with --emulator)." }
    @Option(help: "Fractions of rays, box and Gaussian points, comma-separated (must add up to 1).") var mix = "0.75,0.15,0.10"
    @Option(help: "Largest Δχ² of the ray levels (drawn uniformly in [0, Δmax]).") var deltaMax = 200.0
    @Option(help: "Half-width of the uniform box, in Hessian σ.") var box = 0.5
    @Option(help: "Scale of the Gaussian points relative to the Hessian covariance's σ.") var gaussianScale = 0.5

    func run() throws {
        try PDFEmuCommand.guarded {
            let fractions = try ScanOptionParsing.numbers(mix, option: "--mix")
            guard fractions.count == 3, abs(fractions.reduce(0, +) - 1) < 1e-9 else {
                throw SettingError(.designMix, "give three fractions (rays, box, Gaussian) adding up to 1, got \(mix)")
            }
            let recipe = DesignRecipe(rayFraction: fractions[0], boxFraction: fractions[1], deltaMax: deltaMax,
                                      boxHalfWidth: box, gaussianScale: gaussianScale)
            try recipe.validate()
            try recipe.validateSizes(count: n)
            try source.validate(fixWithoutTheory: .needsTheory)
            try AtomicOutput.validateOutput(output, protecting: source.inputs)
            BLAS.setThreads(1)   // the design and the batch spread their work over the cores themselves
            guard let model = try source.theoryModel(starts: 8), let theory = source.theory else {
                let path = source.emulator!
                let model = try loadScalarModel(path)
                let design = try DesignSampler.sample(model: model, n: n, seed: seed, recipe: recipe)
                try DesignFile.write(output, parameterNames: model.parameterNames, design: design, attributes: [
                    "emulator_file": path, "emulator_sha256": try SHA256.hex(file: path), "sampling_recipe": recipe.summary,
                    "seed": String(seed), "chi2_min_emulated": String(design.chi2Min),
                    "theta_min": zip(model.parameterNames, design.minimum).map { "\($0)=\($1)" }.joined(separator: ", "),
                ])
                print("wrote \(n) points (\(recipe.counts(n).rays) rays, \(recipe.counts(n).box) box, \(recipe.counts(n).gaussian) Gaussian) "
                      + "around the emulated χ²_min = \(Fmt.fixed(design.chi2Min, 4)) to \(output) (points only: evaluate them with pdfemu chi2 or predict)")
                return
            }
            let design = try DesignSampler.sample(model: model, n: n, seed: seed, recipe: recipe)
            let oracle = TheoryOracle(model, theorySHA256: try SHA256.hex(file: theory))
            let points = try OraclePoints(parameterNames: model.parameterNames, values: design.points)
            let bar = ProgressBar(enabled: n >= 20_000)
            let result = try oracle.evaluate(points, chunkSize: TheoryOracle.progressChunkSize) { done, total in
                bar.update(fraction: Double(done) / Double(total), text: "exact χ²: \(done)/\(total) points")
            }.get()
            bar.clear()
            let attrs = oracle.provenance + [
                ("generator", "pdfemu \(pdfemuVersion) sample"), ("sampling_recipe", recipe.summary), ("seed", String(seed)),
                ("chi2_min", String(design.chi2Min)),
                ("theta_min", zip(model.parameterNames, design.minimum).map { "\($0)=\($1)" }.joined(separator: ", ")),
                ("redrawn_points", String(design.redrawn)),
            ]
            try OracleFiles.write(result, points: points, to: output, attributes: attrs,
                                  ndataPerExperiment: oracle.ndataPerExperiment, extra: [("/sample_kind", design.kinds)])
            print("wrote \(n) points (\(recipe.counts(n).rays) rays, \(recipe.counts(n).box) box, \(recipe.counts(n).gaussian) Gaussian; "
                  + "\(design.redrawn) redrawn) around χ²_min = \(Fmt.fixed(design.chi2Min, 4)) to \(output)"
                  + (result.undefinedCount > 0 ? "; \(result.undefinedCount) undefined" : ""))
        }
    }
}
