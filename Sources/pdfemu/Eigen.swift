import ArgumentParser
import Foundation
import PDFEmu

struct Eigen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hessian eigenvector sets at Δχ² = T² (ends by root finding on χ²), master-formula uncertainties, dynamic tolerance.",
        discussion: "Members are numbered as in LHAPDF: 0 the minimum, 2k−1 and 2k the + and − ends of direction k. "
            + "Each end is where Δχ² = T² along ±d_k, found by walking outward and root finding on the χ² itself; the "
            + "quadratic prediction and the ratio are printed beside it. A direction that does not reach T² inside the "
            + "bounds and the training box is an open end (a NaN member row). Layout: docs/FORMAT.md-style, see README.")

    @OptionGroup var source: ModelSourceArguments
    @Option(help: "T² (Δχ²) of the members.") var tolerance: Double
    @OptionGroup var resultFile: ResultFileArguments
    var output: String? { resultFile.output }
    @Flag(help: "Apply CT's iterative re-diagonalisation of the basis at the scale T.") var iterate = false
    @Option(help: "Most re-diagonalisations.") var maxIterations = 10
    @Option(help: "Derived quantity for the master formulas: a parameter or linear expression (repeatable; default: every free parameter).")
    var quantity: [String] = []
    @Option(help: "A second emulator's value as a derived quantity (same parameters; repeatable).") var quantityEmulator: [String] = []
    @Flag(help: "Skip the Lagrange-scan comparison of the quantities.") var noLagrange = false
    @Flag(help: "Also build the sets at the dynamic (CT tier-2) tolerance; needs per-experiment χ² and --experiment-points.")
    var dynamicTolerance = false
    @Option(help: "Points per experiment for the dynamic tolerance: name=N,... or a scan file holding ndata per experiment (e.g. the training scan).")
    var experimentPoints: String?
    @Option(help: "χ²_E → Gaussian mapping of the dynamic tolerance: fisher (CT14, the default) or wilson-hilferty.") var mapping: GaussianEquivalent?
    @Option(help: "Bound parameters: name=lo:hi,...") var bound: String?
    @Option(help: "Training points (with --theory: --starts-from points) used as starts for the global minimum.") var starts = 8
    @Flag(help: "Print JSON instead of the summary.") var json = false

    func run() throws {
        try PDFEmuCommand.guarded {
            var scan = ScanOptions()
            try source.validate(fixWithoutTheory: .fixesEmulatorParameters)
            scan.fixed = try source.scanFixed()
            if let bound { scan.bounds = try ScanOptionParsing.ranges(bound, option: "--bound") }
            scan.starts = starts
            var o = EigenOptions(tolerance: tolerance, iterate: iterate, maxIterations: maxIterations,
                                 quantities: quantity.isEmpty ? nil : quantity, lagrange: !noLagrange, scan: scan)
            try o.validate()
            if dynamicTolerance {
                var points: [String: Int] = [:]
                if let path = experimentPoints, FileManager.default.fileExists(atPath: path) {
                    let scanData = try ScanReader.read([path], options: ScanReadOptions())
                    guard scanData.ndataPerExperiment.count == scanData.experimentNames.count, !scanData.experimentNames.isEmpty else {
                        throw SettingError(.experimentPoints, path, "the file holds no per-experiment point counts (ndata)")
                    }
                    points = Dictionary(uniqueKeysWithValues: zip(scanData.experimentNames, scanData.ndataPerExperiment))
                }
                let counts = try experimentPoints.flatMap { points.isEmpty ? try ScanOptionParsing.assignments($0, option: "--experiment-points") : nil } ?? [:]
                for (k, v) in counts {
                    guard v.rounded() == v, v >= 1 else { throw SettingError(.experimentPoints, k, "'\(v)' is not a positive integer") }
                    points[k] = Int(v)
                }
                var dynamic = DynamicToleranceOptions(experimentPoints: points)
                if let mapping { dynamic.mapping = mapping }
                o.dynamic = dynamic
            } else if experimentPoints != nil || mapping != nil {
                throw PDFEmuError(usage: "--experiment-points and --mapping need --dynamic-tolerance")
            }
            try resultFile.validate(protecting: source.inputs + quantityEmulator.map { ("--quantity-emulator", $0) }
                                          + (experimentPoints.map { [("--experiment-points", $0)] } ?? []))
            let (model, identity) = try source.model(starts: starts)
            let extra = try quantityEmulator.map {
                LagrangeModel(label: $0, model: try loadScalarModel($0), identity: try RunIdentity.fileHash($0))
            }
            let r = try EigenvectorSets.compute(model: model, options: o, quantityModels: extra,
                                                modelIdentity: identity)
            if let output { try r.write(to: output) }
            print(json ? try Fmt.json(r) : r.text() + (output.map { "wrote \($0)\n" } ?? ""), terminator: json ? "\n" : "")
        }
    }
}
