import Foundation
import PDFEmuCore
import PDFEmuIO

/// Reading and writing emulator files (HDF5; layout in docs/FORMAT.md, "Emulator files").
extension Emulator {
    /// The format tag stored in the root attribute "format".
    package static let formatTag = "pdfemu-emulator"
    /// The layout version this build writes and reads.
    package static let formatVersion: Int64 = 1

    /// Writes the emulator to `path` atomically (temporary file, then rename).
    package func write(to path: String) throws {
        try AtomicOutput.write(to: path) { tmp in
            let f = try HDF5File(create: tmp)
            try write(into: f)
            try f.flush()
        }
    }

    /// Writes every part into an open file.
    func write(into f: borrowing HDF5File) throws {
        let p = parameterNames.count
        try f.writeAttribute("format", Self.formatTag)
        try f.writeAttribute("format_version", [Self.formatVersion])
        try f.writeAttribute("pdfemu_version", version)
        try f.writeAttribute("activation", architecture.activation.rawValue)
        try f.writeAttribute("hidden", architecture.hidden.map { Int64($0) })
        try f.writeAttribute("inputs", [Int64(architecture.inputs)])
        try f.writeAttribute("outputs", [Int64(architecture.outputs)])
        if architecture.outputStructure != .direct {
            try f.writeAttribute("output_structure", architecture.outputStructure.rawValue)
            try f.writeAttribute("sos_components", [Int64(architecture.components)])
        }
        try f.writeAttribute("precision", precision.rawValue)
        try f.writeAttribute("members", [Int64(members.count)])
        try f.writeAttribute("target", targetName)
        try f.writeAttribute("target_is_chi2", [Int64(targetIsChi2 ? 1 : 0)])
        try f.writeAttribute("chi2_min", [sampleMinimum])
        try f.writeAttribute("seed", [Int64(bitPattern: seed)])
        try f.writeAttribute("config", configText)
        try f.writeAttribute("checksum", weightsChecksum)
        if let report { try f.writeAttribute("accuracy_report", try Fmt.json(report)) }
        try calibration?.write(into: f)
        try f.writeStrings("/parameter_names", parameterNames)
        try f.writeStrings("/experiment_names", experimentNames)
        try f.write("/scalers/input_mean", scalers.inputMean, shape: [p])
        try f.write("/scalers/input_transform", scalers.inputTransform, shape: [p, p])
        try f.write("/scalers/output_shift", scalers.outputShift, shape: [architecture.outputs])
        try f.write("/scalers/output_scale", scalers.outputScale, shape: [architecture.outputs])
        try f.write("/scalers/output_log_scale", scalers.outputLogScale, shape: [architecture.outputs])
        for (k, m) in members.enumerated() {
            for t in architecture.tensors {
                let values = Array(m.weights[t.offset..<(t.offset + t.count)])
                let name = "/weights/members.\(k).\(t.name)"
                if precision == .float32 { try f.write(name, values.map { Float($0) }, shape: t.shape) }
                else { try f.write(name, values, shape: t.shape) }
            }
        }
        try f.write("/domain/lower", domain.lower, shape: [p])
        try f.write("/domain/upper", domain.upper, shape: [p])
        try f.write("/domain/center", domain.center, shape: [p])
        try f.write("/domain/whitening", domain.whitening, shape: [p, p])
        try f.write("/domain/reference", domain.reference, shape: [domain.reference.count / max(1, p), p],
                    options: HDF5WriteOptions(chunkRows: 1024, gzipLevel: 4))
        try f.writeAttribute("threshold", [domain.threshold], of: "/domain")
        try f.writeAttribute("max_radius", [domain.maxRadius], of: "/domain")
        try f.write("/best_points", bestTrainingPoints.flatMap { $0 }, shape: [bestTrainingPoints.count, p])
    }

    /// The largest accepted layer width, layer count, ensemble size and parameter count per member:
    /// far beyond any useful emulator, small enough that a damaged file cannot make pdfemu allocate
    /// without bound.
    package static let limits = (width: 65_536, layers: 64, members: 1_000, parameters: 1 << 30)

    /// The checksum of the weights and scalers as stored: FNV-1a-64 over the scalers (input mean,
    /// input transform, output shift, scale and log scale, little-endian float64) and then every
    /// member's tensors in file order, in the stored precision. Equal for two files with the same
    /// network, whatever their timings or provenance; `pdfemu inspect` prints it.
    package var weightsChecksum: String {
        var h = FNV1a64()
        for v in [scalers.inputMean, scalers.inputTransform, scalers.outputShift, scalers.outputScale, scalers.outputLogScale] { h.add(v) }
        for m in members {
            if precision == .float32 { h.add(m.weights.map { Float($0) }) } else { h.add(m.weights) }
        }
        return h.text
    }

    /// Loads an emulator file; errors name the file and the missing or malformed part. Sizes are checked
    /// before anything is allocated, names follow `NameRules`, weights and scalers must be finite (scales
    /// non-zero), and the stored checksum (files written before it existed have none) must match.
    public static func load(_ path: String) throws -> Emulator {
        try BLAS.ensureLoaded()
        let f = try HDF5File(open: path)
        func bad(_ what: String) -> PDFEmuError { PDFEmuError(file: path, "\(what)") }
        guard f.hasAttribute("format"), (try? f.readStringAttribute("format")) == formatTag else {
            throw bad("not a pdfemu emulator file (no format attribute \"\(formatTag)\")")
        }
        let version: [Int64] = try f.readNumericAttribute("format_version")
        guard version.first == formatVersion else {
            throw bad("emulator format version \(version.first ?? -1) is not supported (this build reads \(formatVersion))")
        }
        func int(_ name: String, _ range: ClosedRange<Int64>) throws -> Int {
            let v: [Int64] = try f.readNumericAttribute(name)
            guard v.count == 1, range.contains(v[0]) else {
                throw bad("attribute '\(name)' is \(v.count == 1 ? String(v[0]) : "\(v.count) values"), expected one integer in \(range.lowerBound)…\(range.upperBound)")
            }
            return Int(v[0])
        }
        func scalar(_ name: String, of object: String = "/") throws -> Double {
            let v: [Double] = try f.readNumericAttribute(name, of: object)
            guard v.count == 1, v[0].isFinite else { throw bad("\(object == "/" ? "" : object + " ")attribute '\(name)' must be one finite number") }
            return v[0]
        }
        func finite(_ name: String, _ values: [Double], count: Int) throws -> [Double] {
            guard values.count == count else { throw bad("\(name) has \(values.count) values, expected \(count)") }
            if let i = values.firstIndex(where: { !$0.isFinite }) { throw bad("\(name): value \(i) is \(values[i]) (damaged file?)") }
            return values
        }
        let names = try f.readStrings("/parameter_names")
        let exps = try f.readStrings("/experiment_names")
        try NameRules.validate(names, what: "parameter", source: .dataset(file: path, name: "/parameter_names"))
        try NameRules.validate(exps, what: "experiment", source: .dataset(file: path, name: "/experiment_names"))
        let actName = try f.readStringAttribute("activation")
        guard let act = Activation(rawValue: actName) else { throw bad("unknown activation \"\(actName.prefix(40))\"") }
        let hidden64: [Int64] = try f.readNumericAttribute("hidden")
        guard (1...limits.layers).contains(hidden64.count), hidden64.allSatisfy({ (1...Int64(limits.width)).contains($0) }) else {
            throw bad("attribute 'hidden' must list 1 to \(limits.layers) layer widths in 1…\(limits.width), got \(hidden64.prefix(8).map(String.init).joined(separator: ","))\(hidden64.count > 8 ? ",…" : "")")
        }
        let limit = Int64(limits.width)
        // Absent in files written before the sum of squares existed, and for `direct`.
        let structureName = f.hasAttribute("output_structure") ? try f.readStringAttribute("output_structure") : OutputStructure.direct.rawValue
        guard let structure = OutputStructure(rawValue: structureName) else { throw bad("unknown output_structure \"\(structureName.prefix(40))\"") }
        let arch = MLPArchitecture(inputs: try int("inputs", 1...limit), hidden: hidden64.map { Int($0) },
                                   outputs: try int("outputs", 1...limit), activation: act, outputStructure: structure,
                                   components: structure == .direct ? 1 : try int("sos_components", 1...limit))
        guard arch.inputs == names.count else {
            throw bad("/parameter_names has \(names.count) names but the network has \(arch.inputs) inputs")
        }
        guard arch.outputs == 1 + exps.count else {
            throw bad("/experiment_names has \(exps.count) names but the network has \(arch.outputs) outputs")
        }
        guard arch.parameterCount <= limits.parameters else {
            throw bad("the network has \(arch.parameterCount) parameters per member, more than \(limits.parameters)")
        }
        guard let precision = Precision(rawValue: try f.readStringAttribute("precision")) else {
            throw bad("attribute 'precision' must be float32 or float64")
        }
        let p = arch.inputs, o = arch.outputs
        let inMean = try finite("/scalers/input_mean", f.read("/scalers/input_mean", as: Double.self).values, count: p)
        let inTransform = try finite("/scalers/input_transform", f.read("/scalers/input_transform", as: Double.self).values, count: p * p)
        let outShift = try finite("/scalers/output_shift", f.read("/scalers/output_shift", as: Double.self).values, count: o)
        let outScale = try finite("/scalers/output_scale", f.read("/scalers/output_scale", as: Double.self).values, count: o)
        if let i = outScale.firstIndex(of: 0) { throw bad("/scalers/output_scale: value \(i) is 0 (damaged file?)") }
        // Absent in emulators written before the log target transform existed: linear outputs.
        let outLog = f.isDataset("/scalers/output_log_scale")
            ? try finite("/scalers/output_log_scale", f.read("/scalers/output_log_scale", as: Double.self).values, count: o)
            : [Double](repeating: 0, count: o)
        if let i = outLog.firstIndex(where: { $0 < 0 }) { throw bad("/scalers/output_log_scale: value \(i) is negative (damaged file?)") }
        var members: [DenseNetwork] = []
        let scalers = Scalers(inputMean: inMean, inputTransform: inTransform, outputShift: outShift, outputScale: outScale,
                              outputLogScale: outLog)
        for k in 0..<(try int("members", 1...Int64(limits.members))) {
            var w: [Double] = []
            for t in arch.tensors {
                let name = "/weights/members.\(k).\(t.name)"
                guard f.isDataset(name) else { throw bad("\(name): no such dataset") }
                let (shape, values) = try f.read(name, as: Double.self)
                guard shape == t.shape else { throw bad("\(name): shape \(shape), expected \(t.shape)") }
                if let i = values.firstIndex(where: { !$0.isFinite }) { throw bad("\(name): value \(i) is \(values[i]) (damaged file?)") }
                if w.isEmpty { w.reserveCapacity(arch.parameterCount) }
                w += values
            }
            members.append(DenseNetwork(architecture: arch, weights: w, scalers: scalers))
        }
        let ref = try f.read("/domain/reference", as: Double.self).values
        guard ref.count % p == 0 else { throw bad("/domain/reference has \(ref.count) values, not a multiple of \(p)") }
        let domain = TrainingDomain(lower: try finite("/domain/lower", f.read("/domain/lower", as: Double.self).values, count: p),
                                    upper: try finite("/domain/upper", f.read("/domain/upper", as: Double.self).values, count: p),
                                    center: try finite("/domain/center", f.read("/domain/center", as: Double.self).values, count: p),
                                    whitening: try finite("/domain/whitening", f.read("/domain/whitening", as: Double.self).values, count: p * p),
                                    reference: ref,
                                    threshold: try scalar("threshold", of: "/domain"),
                                    maxRadius: try scalar("max_radius", of: "/domain"))
        let best = try f.read("/best_points", as: Double.self).values
        guard best.count % p == 0 else { throw bad("/best_points has \(best.count) values, not a multiple of \(p)") }
        var report: AccuracyReport?
        if f.hasAttribute("accuracy_report") {
            do { report = try JSONDecoder().decode(AccuracyReport.self, from: Data(try f.readStringAttribute("accuracy_report").utf8)) } catch {
                throw bad("attribute 'accuracy_report' is not a valid accuracy report (damaged file?)")
            }
        }
        let seed: [Int64] = try f.readNumericAttribute("seed")
        let emulator = Emulator(parameterNames: names, experimentNames: exps, targetName: try f.readStringAttribute("target"),
                                targetIsChi2: try int("target_is_chi2", 0...1) != 0, architecture: arch, precision: precision,
                                members: members, sampleMinimum: try scalar("chi2_min"),
                                bestTrainingPoints: stride(from: 0, to: best.count, by: p).map { Array(best[$0..<($0 + p)]) },
                                domain: domain, report: report, configText: try f.readStringAttribute("config"),
                                seed: UInt64(bitPattern: seed.first ?? 0), version: try f.readStringAttribute("pdfemu_version"),
                                calibration: try SpreadCalibration.read(from: f, bad: bad))
        if f.hasAttribute("checksum") {
            let stored = try f.readStringAttribute("checksum")
            let actual = emulator.weightsChecksum
            guard stored == actual else {
                throw bad("weights or scalers are damaged: checksum \(actual) differs from the stored \(stored.prefix(40))")
            }
        }
        return emulator
    }
}

/// What `pdfemu inspect` shows of an emulator file: its shape, provenance and the weights checksum
/// that identifies the network (two fits with one seed and config give one checksum, whatever their
/// timings).
package struct EmulatorSummary: Sendable, Codable, Equatable {
    /// The file.
    package var path: String
    /// Parameter and experiment names.
    package var parameters: [String], experiments: [String]
    /// Hidden widths, activation and precision.
    package var hidden: [Int], activation: String, precision: Precision
    /// The output structure (`direct`, or `sum_of_squares M=…`).
    package var outputStructure: String
    /// Ensemble size.
    package var members: Int
    /// What the stated spread is (`SpreadStatus.rawValue`: single-member, uncalibrated, calibrated).
    package var spread: String
    /// Seed of the fit (unsigned).
    package var seed: UInt64
    /// `Emulator.weightsChecksum`.
    package var weightsChecksum: String
    /// True if the file stores a checksum (verified on loading); false for files written before.
    package var checksumStored: Bool

    /// True if `path` is an HDF5 file with the emulator format tag (no other checks).
    package static func isEmulatorFile(_ path: String) -> Bool {
        guard let f = try? HDF5File(open: path) else { return false }
        return (try? f.readStringAttribute("format")) == Emulator.formatTag
    }

    /// Loads (and so verifies) the emulator at `path`.
    package init(path: String) throws {
        let e = try Emulator.load(path)
        let f = try HDF5File(open: path)
        self.path = path
        parameters = e.parameterNames
        experiments = e.experimentNames
        hidden = e.architecture.hidden
        activation = e.architecture.activation.rawValue
        precision = e.precision
        outputStructure = e.architecture.outputStructure == .direct ? "direct" : "sum_of_squares M=\(e.architecture.components)"
        members = e.members.count
        spread = e.spreadStatus.label + (e.calibration.map { " (factor f and floor τ per predicted-Δχ² bin, σ = f·√(σ_raw² + τ²): " + $0.factorsText(labels: e.targetIsChi2 ? DeltaChi2Bins.labels : ["all"]) + ")" } ?? "")
        seed = e.seed
        weightsChecksum = e.weightsChecksum
        checksumStored = f.hasAttribute("checksum")
    }

    /// Text for the terminal.
    package func text() -> String {
        """
        \(path): pdfemu emulator
          parameters (\(parameters.count)): \(parameters.joined(separator: ", "))
          experiments (\(experiments.count)): \(experiments.joined(separator: ", "))
          network: hidden \(hidden.map(String.init).joined(separator: ",")), \(activation), \(precision), \(members) member\(members == 1 ? "" : "s"), seed \(seed), output \(outputStructure)
          spread: \(spread)
          weights checksum: \(weightsChecksum)\(checksumStored ? " (stored and verified)" : " (computed; the file stores none)")

        """
    }
}
