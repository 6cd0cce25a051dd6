import Foundation

/// Writes exact χ² values as a pdfemu scan file (docs/FORMAT.md: /parameters, /parameter_names, /chi2,
/// /chi2_per_experiment, /experiment_names, /ndata_per_experiment) with provenance attributes: the
/// theory file and its SHA-256, the parametrisation, the free/fixed choice, the cut, and `extra`.
public enum TheoryScanFile {
    /// The provenance attributes of a scan computed from `model` (theory SHA-256 from `theorySHA256`).
    public static func provenance(_ model: FKChiSquare, theorySHA256: String) throws -> [String: String] {
        var a: [String: String] = [
            "generator": "pdfemu \(pdfemuVersion) (exact FK-table χ²)",
            "theory_file": model.theoryPath,
            "theory_sha256": theorySHA256,
            "parametrisation": "HERAPDF2.0-style at Q0² = 1.9 GeV² (16 parameters "
                + HERAParametrisation.parameterNames.joined(separator: " ") + "; Cgp = 25; Auv, Adv, Ag from the sum rules)",
            "free_parameters": model.parameterNames.joined(separator: " "),
            "fixed_parameters": HERAParametrisation.parameterNames.indices.filter { !model.freeIndices.contains($0) }
                .map { "\(HERAParametrisation.parameterNames[$0])=\(model.template[$0])" }.joined(separator: ", "),
            "cuts": "Q2 >= \(model.options.q2Min) GeV^2 (\(model.ndata) data points)",
            "ndata": String(model.ndata),
            "chi2_definition": "chi2 = (D - T)^T C^-1 (D - T), C = diag(stat^2 + uncorr^2) + B B^T; per experiment: the diagonal block of C",
        ]
        for key in ["data", "theory"] { if let v = model.theoryAttributes[key] { a["theory_file_" + key] = v } }
        return a
    }

    /// Writes the scan atomically to `path` (temporary file + rename); `extra` holds further int32
    /// datasets [N] by path (e.g. /sample_kind).
    public static func write(_ path: String, model: FKChiSquare, points: [Double], result: TheoryBatchResult,
                             attributes: [String: String], extra: [String: [Int32]] = [:]) throws {
        let p = model.parameterNames.count, n = result.chi2.count, e = model.experimentNames.count
        try AtomicOutput.write(to: path) { tmp in
            let f = try HDF5File(create: tmp)
            try f.write("/parameters", points, shape: [n, p], options: .compressed)
            try f.writeStrings("/parameter_names", model.parameterNames)
            try f.write("/chi2", result.chi2, shape: [n], options: .compressed)
            if !result.perExperiment.isEmpty {
                try f.write("/chi2_per_experiment", result.perExperiment, shape: [n, e], options: .compressed)
                try f.writeStrings("/experiment_names", model.experimentNames)
                try f.write("/ndata_per_experiment", model.ndataPerExperiment.map(Int64.init), shape: [e])
            }
            for (k, v) in extra.sorted(by: { $0.key < $1.key }) { try f.write(k, v, shape: [v.count]) }
            for (k, v) in attributes.sorted(by: { $0.key < $1.key }) { try f.writeAttribute(k, v) }
            try f.writeAttribute("undefined_points", [Int64(result.undefined.count)])
            try f.flush()
        }
    }
}
