import ArgumentParser
import Foundation
import PDFEmu

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a design of points around the exact χ² minimum (rays, Sobol box, Gaussian) and write it with its exact χ² as a scan file.")

    @OptionGroup var theory: TheoryArguments
    @Option(help: "Number of points.") var n: Int
    @Option(help: "Random seed (the same seed gives the same file).") var seed: UInt64 = 1
    @Option(help: "Scan file to write.") var output: String
    @Option(help: "Fractions of rays, box and Gaussian points, comma-separated (must add up to 1).") var mix = "0.75,0.15,0.10"
    @Option(help: "Largest Δχ² of the ray levels (drawn uniformly in [0, Δmax]).") var deltaMax = 200.0
    @Option(help: "Half-width of the uniform box, in Hessian σ.") var box = 0.5
    @Option(help: "Scale of the Gaussian points relative to the Hessian covariance's σ.") var gaussianScale = 0.5
    @Option(help: "Start the minimum from the lowest-χ² points of this scan file (default: HERAPDF2.0-like values).") var startsFrom: String?

    func run() throws {
        try PDFEmuCommand.guarded {
            let fractions = try ScanOptionParsing.numbers(mix, option: "--mix")
            guard fractions.count == 3, abs(fractions.reduce(0, +) - 1) < 1e-9 else {
                throw PDFEmuError("--mix: give three fractions (rays, box, Gaussian) adding up to 1, got \(mix)")
            }
            let recipe = DesignRecipe(rayFraction: fractions[0], boxFraction: fractions[1], deltaMax: deltaMax,
                                      boxHalfWidth: box, gaussianScale: gaussianScale)
            try recipe.validate()
            try AtomicOutput.checkWritable(output)
            try AtomicOutput.checkDistinct(output: output, inputs: [theory.theory] + (startsFrom.map { [$0] } ?? []))
            var model = try theory.load()
            BLAS.setThreads(1)   // the design and the batch spread their work over the cores themselves
            if let startsFrom { model.startingPoints = try model.startingPoints(fromScan: startsFrom) }
            let design = try DesignSampler.sample(model: model, n: n, seed: seed, recipe: recipe)
            let bar = ProgressBar(enabled: n >= 20_000)
            let result = model.evaluateBatch(design.points) { done in
                bar.update(fraction: Double(done) / Double(n), text: "exact χ²: \(done)/\(n) points")
            }
            bar.clear()
            var attrs = try TheoryScanFile.provenance(model, theorySHA256: try SHA256.hex(file: theory.theory))
            attrs["sampling_recipe"] = recipe.summary
            attrs["seed"] = String(seed)
            attrs["chi2_min"] = String(design.chi2Min)
            attrs["theta_min"] = zip(model.parameterNames, design.minimum).map { "\($0)=\($1)" }.joined(separator: ", ")
            attrs["redrawn_points"] = String(design.redrawn)
            try TheoryScanFile.write(output, model: model, points: design.points, result: result, attributes: attrs,
                                     extra: ["/sample_kind": design.kinds])
            print("wrote \(n) points (\(recipe.counts(n).rays) rays, \(recipe.counts(n).box) box, \(recipe.counts(n).gaussian) Gaussian; "
                  + "\(design.redrawn) redrawn) around χ²_min = \(Fmt.fixed(design.chi2Min, 4)) to \(output)")
            let note = result.undefinedNote()
            if !note.isEmpty { print("note: " + note) }
        }
    }
}
