/// Batch prediction from a points file: columns are matched to the emulator's parameters by name.
public enum PredictRunner {
    /// Points read from a file, reordered into the emulator's parameter order (N×P row-major).
    public static func readPoints(_ path: String, for emulator: Emulator) throws -> [Double] {
        try readPoints(path, parameterNames: emulator.parameterNames, neededBy: "the emulator")
    }

    /// Reads /parameters [N, P] of `path`, with columns matched to `parameterNames` through
    /// /parameter_names (extra columns ignored); row-major [N, parameterNames.count]. Throws one line
    /// naming the file and dataset (missing names say they are what `neededBy` needs; non-finite values).
    public static func readPoints(_ path: String, parameterNames needed: [String], neededBy: String) throws -> [Double] {
        let file = try HDF5File(open: path)
        guard file.isDataset("/parameters") else { throw PDFEmuError("\(path): /parameters: no such dataset") }
        guard file.isDataset("/parameter_names") else { throw PDFEmuError("\(path): /parameter_names: no such dataset (columns are matched by name)") }
        let names = try file.readStrings("/parameter_names")
        let (shape, values) = try file.read("/parameters", as: Double.self)
        guard shape.count == 2 || shape.count == 1 else {
            throw PDFEmuError("\(path): /parameters: shape \(shape), expected [N, P]")
        }
        let cols = shape.count == 2 ? shape[1] : shape[0]
        let n = shape.count == 2 ? shape[0] : 1
        guard cols == names.count else {
            throw PDFEmuError("\(path): /parameter_names has \(names.count) names but /parameters has \(cols) columns")
        }
        let index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let missing = needed.filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw PDFEmuError("\(path): /parameter_names lacks \(missing.joined(separator: ", ")) (\(neededBy) needs \(needed.joined(separator: ",")))")
        }
        let p = needed.count
        let cols_ = needed.map { index[$0]! }
        var out = [Double](repeating: 0, count: n * p)
        for i in 0..<n {
            for (j, c) in cols_.enumerated() {
                let v = values[i * cols + c]
                guard v.isFinite else {
                    throw PDFEmuError("\(path): /parameters row \(i): \(needed[j]) is \(v)")
                }
                out[i * p + j] = v
            }
        }
        return out
    }

    /// Writes predictions to an HDF5 file atomically: /chi2 [N], /chi2_std [N] (ensembles),
    /// /chi2_per_experiment [N,E] (when trained), /parameters, /parameter_names, /experiment_names, /inside [N].
    public static func write(_ path: String, emulator: Emulator, points: [Double],
                             prediction: (value: [Double], spread: [Double], perExperiment: [Double])) throws {
        let p = emulator.parameterNames.count, n = prediction.value.count, e = emulator.experimentNames.count
        let inside: [Int32] = (0..<n).map { emulator.domain(at: Array(points[($0 * p)..<(($0 + 1) * p)])).inside ? 1 : 0 }
        try AtomicOutput.write(to: path) { tmp in
            let f = try HDF5File(create: tmp)
            let target = emulator.targetIsChi2 ? "chi2" : "value"
            try f.write("/\(target)", prediction.value, shape: [n])
            if emulator.members.count > 1 { try f.write("/\(target)_std", prediction.spread, shape: [n]) }
            if e > 0 {
                try f.write("/chi2_per_experiment", prediction.perExperiment, shape: [n, e])
                try f.writeStrings("/experiment_names", emulator.experimentNames)
            }
            try f.write("/parameters", points, shape: [n, p])
            try f.writeStrings("/parameter_names", emulator.parameterNames)
            try f.write("/inside_training_domain", inside, shape: [n])
            try f.writeAttribute("emulator_target", emulator.targetName)
            try f.flush()
        }
    }
}
