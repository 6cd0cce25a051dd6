import PDFEmuCore
import PDFEmuIO
/// Batch prediction from a points file: columns are matched to the emulator's parameters by name.
package enum PredictRunner {
    /// Points read from a file, reordered into the emulator's parameter order (N×P row-major).
    package static func readPoints(_ path: String, for emulator: Emulator) throws -> [Double] {
        let points = try OraclePoints.read(path)
        do { return try points.columns(emulator.parameterNames) } catch { throw PDFEmuError(file: path, error.message) }
    }

    /// Writes predictions to an HDF5 file atomically: /chi2 [N], /chi2_std [N] (ensembles: the calibrated
    /// spread when the emulator has a calibration, with /chi2_std_raw [N] the raw one and the root attribute
    /// `spread` naming which),
    /// /chi2_per_experiment [N,E] (when trained), /parameters, /parameter_names, /experiment_names, /inside [N].
    package static func write(_ path: String, emulator: Emulator, points: [Double],
                             prediction: BatchPrediction) throws {
        let p = emulator.parameterNames.count, n = prediction.value.count, e = emulator.experimentNames.count
        let inside: [Int32] = (0..<n).map { emulator.domain(at: Array(points[($0 * p)..<(($0 + 1) * p)])).inside ? 1 : 0 }
        try AtomicOutput.write(to: path) { tmp in
            let f = try HDF5File(create: tmp)
            let target = emulator.targetIsChi2 ? "chi2" : "value"
            try f.write("/\(target)", prediction.value, shape: [n])
            if emulator.members.count > 1 {
                try f.write("/\(target)_std", prediction.spread, shape: [n])
                if emulator.calibration != nil { try f.write("/\(target)_std_raw", prediction.rawSpread, shape: [n]) }
            }
            try f.writeAttribute("spread", emulator.spreadStatus.rawValue)
            if e > 0 {
                try f.write("/chi2_per_experiment", prediction.perExperiment, shape: [n, e])
                try f.writeStrings("/experiment_names", emulator.experimentNames)
            }
            try f.writePoints(points, parameterNames: emulator.parameterNames)
            try f.write("/inside_training_domain", inside, shape: [n])
            try f.writeAttribute("emulator_target", emulator.targetName)
            try f.flush()
        }
    }
}
