import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
/// Any `ScalarModel` (an emulator, an analytic χ²) evaluated in-process through the oracle protocol:
/// the total χ² is the model's value, the per-experiment χ² its per-experiment outputs. Points are
/// matched to the model's parameters by name (extra columns are ignored). A point where the model
/// gives a NaN or infinite value is an undefined row. An `Emulator` is evaluated in one batch (BLAS).
public struct ModelOracle: ChiSquareOracle {
    /// The model.
    public let model: any ScalarModel
    /// The label used in messages and provenance (e.g. `emulator:E.h5`).
    public let label: String
    /// The model itself.
    public var inMemoryModel: (any ScalarModel)? { model }

    /// Wraps `model`, labelled `label`.
    public init(_ model: any ScalarModel, label: String, provenance: Provenance = []) {
        self.model = model
        self.label = label
        self.provenance = provenance
    }

    public var parameterNames: [String]? { model.parameterNames }

    /// Extra provenance (e.g. the model file's hash), stored by `pdfemu chi2`.
    public var provenance: Provenance = []

    /// With `gradients`, the model's exact gradient at every point (`ScalarModel.valueAndGradient`).
    public func evaluate(_ points: OraclePoints, gradients: Bool) throws(OracleError) -> OracleResult {
        var r = try evaluate(points)
        guard gradients else { return r }
        let theta: [Double]
        do { theta = try points.columns(model.parameterNames) } catch { throw error.from(label) }
        let p = model.parameterNames.count, m = model
        let rows = Parallel.map(points.count) { i in m.valueAndGradient(at: Array(theta[(i * p)..<((i + 1) * p)])).gradient }
        do { try r.setGradient(rows.flatMap { $0 }, names: model.parameterNames) } catch { throw error.from(label) }
        return r
    }

    public func evaluate(_ points: OraclePoints) throws(OracleError) -> OracleResult {
        let theta: [Double]
        do { theta = try points.columns(model.parameterNames) } catch { throw error.from(label) }
        let batch = model.predictBatch(theta)
        let (chi2, perExp) = (batch.value, batch.perExperiment)
        do {
            return try OracleResult(chi2: chi2, experimentNames: model.experimentNames, chi2PerExperiment: perExp)
        } catch { throw error.from(label) }
    }
}
