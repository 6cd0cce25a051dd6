import ArgumentParser
import Foundation
import PDFEmu

struct L2: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "l2",
        abstract: "L2 sensitivities: each experiment's Δχ²_E along the Lagrange path at X = X₀ ± T·σ_X of a derived quantity X.",
        discussion: "X is a linear expression of the parameters (--quantity) or a second emulator's value (--quantity-emulator). "
            + "σ_X is its Hessian error; λ is found by root finding so that the minimum of χ² + λX has X = X₀ ± T·σ_X. "
            + "An experiment whose Δχ²_E grows more when X is raised than when it is lowered pulls X down. Needs per-experiment χ².")

    @OptionGroup var source: ModelSourceArguments
    @Option(parsing: .unconditional, help: "The derived quantity: a parameter or linear expression, e.g. \"Buv - Bdv\".") var quantity: String?
    @Option(help: "A second emulator's value as the derived quantity (same parameters).") var quantityEmulator: String?
    @Option(help: "T²: X is moved to X₀ ± T·σ_X.") var tolerance = 1.0
    @Option(parsing: .unconditional, help: "Bound parameters: name=lo:hi,...") var bound: String?
    @Option(help: "Training points (with --theory: --starts-from points) used as starts for the global minimum.") var starts = 8
    @Option(help: "Write l2_sensitivities.svg (the bar chart) into this directory (created if missing).") var plot: String?
    @Flag(help: "Print JSON instead of the table.") var json = false

    func run() throws {
        try PDFEmuCommand.guarded {
            try source.validate(fixWithoutTheory: .fixesEmulatorParameters)
            guard (quantity == nil) != (quantityEmulator == nil) else { throw PDFEmuError(usage: "give either --quantity or --quantity-emulator") }
            guard tolerance > 0, tolerance.isFinite else { throw SettingError(.eigenTolerance, "T² must be > 0, got \(tolerance)") }
            var scan = ScanOptions()
            scan.fixed = try source.scanFixed()
            if let bound { scan.bounds = try ScanOptionParsing.ranges(bound, option: "--bound") }
            scan.starts = starts
            if let plot { try ScanPlots.validateDirectory(plot) }
            let (model, identity) = try source.model(starts: starts)
            guard !model.experimentNames.isEmpty else {
                throw PDFEmuError(.chi2, "L2 sensitivities need per-experiment χ², and \(source.emulator ?? source.theory ?? "this model") has no per-experiment outputs")
            }
            let q: DerivedQuantity
            if let quantity {
                q = .linear(try LinearExpression(parsing: quantity, parameterNames: model.parameterNames))
            } else {
                q = .model(label: quantityEmulator!, model: try loadScalarModel(quantityEmulator!))
            }
            let r = try L2Sensitivity.compute(model: model, quantity: q, tolerance: tolerance, scan: scan, modelIdentity: identity)
            let staged = try plot.map { try ScanPlots.stage(figures: [("l2_sensitivities.svg", try L2Report.figure(r))], in: $0) }
            try staged?.commit()
            print(json ? try Fmt.json(r) : r.text() + (plot.map { "wrote \($0)/l2_sensitivities.svg\n" } ?? ""),
                  terminator: json ? "\n" : "")
        }
    }
}
