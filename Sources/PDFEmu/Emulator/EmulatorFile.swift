import Foundation

/// Reading and writing emulator files (HDF5; layout in docs/FORMAT.md, "Emulator files").
extension Emulator {
    /// The format tag stored in the root attribute "format".
    public static let formatTag = "pdfemu-emulator"
    /// The layout version this build writes and reads.
    public static let formatVersion: Int64 = 1

    /// Writes the emulator to `path` atomically (temporary file, then rename).
    public func save(to path: String) throws {
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
        try f.writeAttribute("precision", precision)
        try f.writeAttribute("members", [Int64(members.count)])
        try f.writeAttribute("target", targetName)
        try f.writeAttribute("target_is_chi2", [Int64(targetIsChi2 ? 1 : 0)])
        try f.writeAttribute("chi2_min", [sampleMinimum])
        try f.writeAttribute("seed", [Int64(bitPattern: seed)])
        try f.writeAttribute("config", configText)
        if let report { try f.writeAttribute("accuracy_report", try Fmt.json(report)) }
        try f.writeStrings("/parameter_names", parameterNames)
        try f.writeStrings("/experiment_names", experimentNames)
        let m0 = members[0]
        try f.write("/scalers/input_mean", m0.inputMean, shape: [p])
        try f.write("/scalers/input_transform", m0.inputTransform, shape: [p, p])
        try f.write("/scalers/output_shift", m0.outputShift, shape: [architecture.outputs])
        try f.write("/scalers/output_scale", m0.outputScale, shape: [architecture.outputs])
        try f.write("/scalers/output_log_scale", m0.outputLogScale, shape: [architecture.outputs])
        for (k, m) in members.enumerated() {
            for t in architecture.tensors {
                let values = Array(m.weights[t.offset..<(t.offset + t.count)])
                let name = "/weights/members.\(k).\(t.name)"
                if precision == "float32" { try f.write(name, values.map { Float($0) }, shape: t.shape) }
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

    /// Loads an emulator file; errors name the file and the missing or malformed part.
    public static func load(_ path: String) throws -> Emulator {
        try BLAS.ensureLoaded()
        let f = try HDF5File(open: path)
        guard f.hasAttribute("format"), (try? f.readStringAttribute("format")) == formatTag else {
            throw PDFEmuError("\(path): not a pdfemu emulator file (no format attribute \"\(formatTag)\")")
        }
        let version: [Int64] = try f.readNumericAttribute("format_version")
        guard version.first == formatVersion else {
            throw PDFEmuError("\(path): emulator format version \(version.first ?? -1) is not supported (this build reads \(formatVersion))")
        }
        func int(_ name: String) throws -> Int { Int((try f.readNumericAttribute(name) as [Int64]).first ?? 0) }
        let names = try f.readStrings("/parameter_names")
        let exps = try f.readStrings("/experiment_names")
        let actName = try f.readStringAttribute("activation")
        guard let act = Activation(rawValue: actName) else { throw PDFEmuError("\(path): unknown activation \"\(actName)\"") }
        let hidden = (try f.readNumericAttribute("hidden") as [Int64]).map { Int($0) }
        let arch = MLPArchitecture(inputs: try int("inputs"), hidden: hidden, outputs: try int("outputs"), activation: act)
        guard arch.inputs == names.count else {
            throw PDFEmuError("\(path): /parameter_names has \(names.count) names but the network has \(arch.inputs) inputs")
        }
        guard arch.outputs == 1 + exps.count else {
            throw PDFEmuError("\(path): /experiment_names has \(exps.count) names but the network has \(arch.outputs) outputs")
        }
        let precision = try f.readStringAttribute("precision")
        let inMean = try f.read("/scalers/input_mean", as: Double.self).values
        let inTransform = try f.read("/scalers/input_transform", as: Double.self).values
        let outShift = try f.read("/scalers/output_shift", as: Double.self).values
        let outScale = try f.read("/scalers/output_scale", as: Double.self).values
        // Absent in emulators written before the log target transform existed: linear outputs.
        let outLog = f.isDataset("/scalers/output_log_scale")
            ? try f.read("/scalers/output_log_scale", as: Double.self).values : [Double](repeating: 0, count: arch.outputs)
        guard outLog.count == arch.outputs else { throw PDFEmuError("\(path): /scalers/output_log_scale has \(outLog.count) values, expected \(arch.outputs)") }
        guard inMean.count == arch.inputs, inTransform.count == arch.inputs * arch.inputs, outShift.count == arch.outputs, outScale.count == arch.outputs else {
            throw PDFEmuError("\(path): /scalers do not match the network's inputs and outputs")
        }
        var members: [DenseNetwork] = []
        for k in 0..<(try int("members")) {
            var w = [Double](repeating: 0, count: arch.parameterCount)
            for t in arch.tensors {
                let name = "/weights/members.\(k).\(t.name)"
                let (shape, values) = try f.read(name, as: Double.self)
                guard shape == t.shape else {
                    throw PDFEmuError("\(path): \(name): shape \(shape), expected \(t.shape)")
                }
                w.replaceSubrange(t.offset..<(t.offset + t.count), with: values)
            }
            members.append(DenseNetwork(architecture: arch, weights: w, inputMean: inMean, inputTransform: inTransform,
                                        outputShift: outShift, outputScale: outScale, outputLogScale: outLog))
        }
        guard !members.isEmpty else { throw PDFEmuError("\(path): the emulator has no members") }
        let p = names.count
        let ref = try f.read("/domain/reference", as: Double.self).values
        let domain = TrainingDomain(lower: try f.read("/domain/lower", as: Double.self).values,
                                    upper: try f.read("/domain/upper", as: Double.self).values,
                                    center: try f.read("/domain/center", as: Double.self).values,
                                    whitening: try f.read("/domain/whitening", as: Double.self).values,
                                    reference: ref,
                                    threshold: (try f.readNumericAttribute("threshold", of: "/domain") as [Double])[0],
                                    maxRadius: (try f.readNumericAttribute("max_radius", of: "/domain") as [Double])[0])
        let best = try f.read("/best_points", as: Double.self).values
        let report: AccuracyReport? = f.hasAttribute("accuracy_report")
            ? try? JSONDecoder().decode(AccuracyReport.self, from: Data(try f.readStringAttribute("accuracy_report").utf8)) : nil
        return Emulator(parameterNames: names, experimentNames: exps, targetName: try f.readStringAttribute("target"),
                        targetIsChi2: try int("target_is_chi2") != 0, architecture: arch, precision: precision,
                        members: members, sampleMinimum: (try f.readNumericAttribute("chi2_min") as [Double])[0],
                        bestTrainingPoints: stride(from: 0, to: best.count, by: p).map { Array(best[$0..<($0 + p)]) },
                        domain: domain, report: report, configText: try f.readStringAttribute("config"),
                        seed: UInt64(bitPattern: (try f.readNumericAttribute("seed") as [Int64])[0]),
                        version: try f.readStringAttribute("pdfemu_version"))
    }
}
