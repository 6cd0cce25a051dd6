import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis

/// The exact theory χ² (`FKChiSquare`) as an in-process oracle: `pdfemu chi2 --theory FILE` (with
/// theory options) or `--oracle fk:FILE` (defaults). Points are matched to the free parameters by
/// name; the batch runs through BLAS (`FKChiSquare.evaluateBatch`); an undefined point (outside the
/// parametrisation's domain) is a NaN row with its reason. Provenance: the theory file and its SHA-256,
/// the parametrisation, the free and fixed parameters, the cut.
package struct TheoryOracle: ChiSquareOracle {
    /// The χ².
    package let chi2: FKChiSquare
    /// `fk:FILE`.
    package let label: String
    /// The exact χ² itself.
    package var inMemoryModel: (any ScalarModel)? { chi2 }
    /// Root attributes stored with the values.
    package let provenance: Provenance
    /// Points per call when the caller sets no chunk size and wants progress: one update per 16384 points.
    package static let progressChunkSize = 16384

    /// Wraps `chi2`; `theorySHA256` is the theory file's SHA-256 (`SHA256.hex(file:)`).
    package init(_ chi2: FKChiSquare, theorySHA256: String) {
        self.chi2 = chi2
        label = "fk:\(chi2.theoryPath)"
        let names = HERAParametrisation.parameterNames
        var p: Provenance = [
            ("theory_file", chi2.theoryPath),
            ("theory_sha256", theorySHA256),
            ("parametrisation", "HERAPDF2.0-style at Q0² = 1.9 GeV² (16 parameters " + names.joined(separator: " ")
                + "; Cgp = 25; Auv, Adv, Ag from the sum rules)"),
            ("free_parameters", chi2.parameterNames.joined(separator: " ")),
            ("fixed_parameters", names.indices.filter { !chi2.freeIndices.contains($0) }
                .map { "\(names[$0])=\(chi2.template[$0])" }.joined(separator: ", ")),
            ("cuts", "Q2 >= \(chi2.options.q2Min) GeV^2 (\(chi2.ndata) data points)"),
            ("ndata", String(chi2.ndata)),
            ("chi2_definition", "chi2 = (D - T)^T C^-1 (D - T), C = diag(stat^2 + uncorr^2) + B B^T; per experiment: the diagonal block of C"),
        ]
        for key in ["data", "theory"] { if let v = chi2.theoryAttributes[key] { p["theory_file_" + key] = v } }
        provenance = p
    }

    /// Loads the theory file with `options` (the `fk:FILE` scheme uses the defaults).
    package init(path: String, options: TheoryOptions = TheoryOptions()) throws {
        self.init(try FKChiSquare.read(path, options: options), theorySHA256: try SHA256.hex(file: path))
    }

    package var parameterNames: [String]? { chi2.parameterNames }
    /// Data points per experiment after the cut, written as /ndata_per_experiment.
    package var ndataPerExperiment: [Int]? { chi2.ndataPerExperiment }

    /// With `gradients`, the exact gradient of every point by the free parameters (`FKChiSquare.valueAndGradient`).
    package func evaluate(_ points: OraclePoints, gradients: Bool) throws(OracleError) -> OracleResult {
        var r = try evaluate(points)
        guard gradients else { return r }
        let theta: [Double]
        do { theta = try points.columns(chi2.parameterNames) } catch { throw error.from(label) }
        let p = chi2.parameterNames.count, model = chi2
        let rows = Parallel.map(points.count) { i in model.valueAndGradient(at: Array(theta[(i * p)..<((i + 1) * p)])).gradient }
        do { try r.setGradient(rows.flatMap { $0 }, names: chi2.parameterNames) } catch { throw error.from(label) }
        return r
    }

    package func evaluate(_ points: OraclePoints) throws(OracleError) -> OracleResult {
        let theta: [Double]
        do { theta = try points.columns(chi2.parameterNames) } catch { throw error.from(label) }
        // Single-threaded BLAS calls: the batch spreads its chunks over the cores; the caller's count is restored.
        let threads = (try? BLAS.info().threads) ?? 1
        BLAS.setThreads(1)
        let batch = chi2.evaluateBatch(theta)
        BLAS.setThreads(threads)
        do {
            return try OracleResult(chi2: batch.value, experimentNames: chi2.experimentNames,
                                    chi2PerExperiment: batch.perExperiment, reasons: batch.undefinedReasons)
        } catch { throw error.from(label) }
    }
}
