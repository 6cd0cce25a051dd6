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
    @Option(help: "After the set, solve its minimum (pdfemu refine's method) and each end on the true χ² of this oracle: along the model's direction from the certified true minimum, the t where Δχ²_true = T² within ε = 0.01 ('CMD {input} {output}', fk:FILE, emulator:FILE); the output and summary are then the exact set's.")
    var refine: String?
    @OptionGroup(title: "Refine (with --refine)") var refineRun: RefineRunArguments
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
            let refineSpec = try refine.map { try OracleSpec(parsing: $0) }
            if refineSpec == nil && refineRun.given { throw PDFEmuError(usage: "--refine-… options need --refine") }
            if refineRun.contourVertices != nil { throw PDFEmuError(usage: "--refine-contour-vertices: eigen refines the set's ends, it has no contours") }
            if refineSpec != nil && dynamicTolerance { throw PDFEmuError(usage: "--dynamic-tolerance and --refine: give one (the dynamic tolerance needs the model's per-experiment χ²)") }
            try resultFile.validate(protecting: source.inputs + quantityEmulator.map { ("--quantity-emulator", $0) }
                                          + (experimentPoints.map { [("--experiment-points", $0)] } ?? [])
                                          + (refineSpec?.inputFiles(labelled: "--refine") ?? []))
            let (model, identity) = try source.model(starts: starts)
            let extra = try quantityEmulator.map {
                LagrangeModel(label: $0, model: try loadScalarModel($0), identity: try RunIdentity.fileHash($0))
            }
            let r = try EigenvectorSets.compute(model: model, options: o, quantityModels: extra,
                                                modelIdentity: identity)
            if let refineSpec {
                try refineSet(r, model: model, identity: identity, spec: refineSpec, scanOptions: scan)
                return
            }
            if let output { try r.write(to: output) }
            print(json ? try Fmt.json(r) : r.text() + (output.map { "wrote \($0)\n" } ?? ""), terminator: json ? "\n" : "")
        }
    }

    /// --refine: the minimum refined as refine does (a scan of the minimum only), then every end on the
    /// truth; writes the exact set and prints the table. Exit status 1 unless every end is certified.
    func refineSet(_ set: EigenvectorSetResult, model: any ScalarModel, identity: String, spec: OracleSpec, scanOptions: ScanOptions) throws {
        var so = scanOptions
        so.profileParameters = []
        so.lagrangeExpressions = []   // the minimum only: refine solves no Lagrange end here
        let minimumScan = try ScanRunner.run(model: model, options: so)
        let defaults = RefineOptions()
        let invocation = RefineInvocation(epsilon: defaults.epsilon, stationarity: defaults.stationarity, maxIterations: defaults.maxIterations, run: refineRun, spec: spec, stateFlag: "--refine-state", batchSystem: nil,
                                          defaultWorkBase: output.map { $0 + ".batches" } ?? "refine.batches", quiet: json)
        let minimum: RefineResult
        do {
            guard let m = try invocation.refine(guide: model, scan: minimumScan, constraints: minimumScan.minimum.constraints,
                                                identity: ["model=\(identity)", "eigen-minimum"]) else { return }
            minimum = m
        } catch let e as SettingError { throw PDFEmuError(usage: Scan.refineLine(e)) }
        let stop = OracleInterrupts.install()
        let oracle = try spec.makeOracle(timeout: refineRun.timeout, shouldStop: stop.shouldStop)
        // (a plain-throws wrapper: a typed-throws initialiser inside do/catch crashes Swift 6.3.1's SILGen)
        func make() throws -> EigenRefiner {
            try EigenRefiner(oracle: oracle, epsilon: defaults.epsilon, budget: max(1, refineRun.budget - minimum.evaluations - minimum.reused))
        }
        let refiner: EigenRefiner
        do { refiner = try make() } catch let e as SettingError { throw PDFEmuError(usage: Scan.refineLine(e)) }
        var ran: EigenRefineResult?
        let quiet = json
        try stop.reporting {
            ran = try refiner.run(set: set, minimum: minimum.answers[0], constraints: minimumScan.minimum.constraints) { line in
                if !quiet { FileHandle.standardError.write(Data("refine: \(line)\n".utf8)) }
            }
        }
        guard let result = ran else { return }
        let exact = result.applied(to: set)
        if let output { try exact.write(to: output) }
        if json {
            print(try Fmt.json(EigenRefineJSON(set: exact, refine: result, minimum: minimum)))
        } else {
            print(Self.report(result, minimum: minimum), terminator: "")
        }
        if result.certifiedCount < result.ends.count || minimum.certifiedCount < 1 { throw ExitCode(1) }
    }

    /// The table of --refine: the minimum, then per end the model's and the exact distance.
    static func report(_ r: EigenRefineResult, minimum: RefineResult) -> String {
        var s = Refine.report(minimum)
        s += "Eigenvector ends on the true χ² (T² = \(Fmt.short(r.tolerance)), ε = \(Fmt.short(r.epsilon)), from the minimum above)\n"
        s += Fmt.pad("end", 8) + Fmt.pad("model t", 12, right: true) + Fmt.pad("exact t", 12, right: true) + Fmt.pad("ratio", 9, right: true)
            + Fmt.pad("Δχ²−T²", 11, right: true) + Fmt.pad("evals", 7, right: true) + "  status\n"
        for e in r.ends {
            let ratio = e.exactDistance.flatMap { x in e.modelDistance.map { Fmt.fixed(x / $0, 4) } } ?? ""
            s += Fmt.pad("\(e.direction)\(e.sign > 0 ? "+" : "−")", 8) + Fmt.num(e.modelDistance ?? .nan, width: 12, digits: 6)
                + Fmt.num(e.exactDistance ?? .nan, width: 12, digits: 6) + Fmt.pad(ratio, 9, right: true)
                + Fmt.num(e.error, width: 11, digits: 3) + Fmt.pad(String(e.evaluations), 7, right: true) + "  " + e.status.rawValue
                + (e.note.isEmpty ? "" : " (\(e.note))") + "\n"
        }
        s += "\(r.certifiedCount)/\(r.ends.count) ends certified; \(r.evaluations) true χ² evaluations in \(r.batches) batch(es) for the ends\n"
        return s
    }
}

/// JSON of `eigen --refine`: the exact set in the layout of `eigen --json`, with `refine` (the ends) and
/// `refine_minimum` (refine's result for the minimum) beside.
struct EigenRefineJSON: Encodable {
    let set: EigenvectorSetResult
    let refine: EigenRefineResult
    let minimum: RefineResult
    private enum Keys: String, CodingKey { case refine, refine_minimum }
    func encode(to encoder: Encoder) throws {
        try set.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(refine, forKey: .refine)
        try c.encode(minimum, forKey: .refine_minimum)
    }
}
