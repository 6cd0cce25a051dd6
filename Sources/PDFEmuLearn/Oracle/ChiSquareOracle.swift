import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
/// Anything that can give the χ² of a PDF fit at given parameter points: an external program
/// (`CommandOracle`), a model in memory (`ModelOracle`), or an exact theory.
///
/// Given N points of P named parameters ([N, P] row-major, `OraclePoints`), an oracle returns the total
/// χ² [N] and optionally per-experiment χ² [N, E] with experiment names (`OracleResult`). Points where
/// the χ² is undefined come back as NaN rows with a reason, never as an error. Implementations must be
/// safe to call from several threads.
public protocol ChiSquareOracle: Sendable {
    /// What the oracle is, for messages and provenance (e.g. `emulator:E.h5`, `'./fit {input} {output}'`).
    var label: String { get }
    /// The parameters the oracle needs, if it knows them (nil: it takes whatever parameters it is given).
    /// Points are matched to them by name; extra columns are ignored.
    var parameterNames: [String]? { get }
    /// Evaluates χ² at every point. The result has `points.count` rows, in the same order.
    func evaluate(_ points: OraclePoints) throws(OracleError) -> OracleResult
    /// Evaluates χ² and, when `gradients` is true and the oracle can, its exact gradient
    /// (`OracleResult.gradient`). The default is `evaluate(_:)`: values only (a command oracle's
    /// output may still carry `/gradient`).
    func evaluate(_ points: OraclePoints, gradients: Bool) throws(OracleError) -> OracleResult
    /// Provenance stored with the values (root attributes of `pdfemu chi2`'s output, e.g. a theory file's
    /// hash, the parametrisation, fixed values, cuts); the default has none.
    var provenance: Provenance { get }
    /// Data points of each experiment, if the oracle knows them (written as /ndata_per_experiment);
    /// the default is nil.
    var ndataPerExperiment: [Int]? { get }
    /// The same χ² as a model in memory, when the oracle has one (the in-process theory, a model
    /// oracle): a design can then be drawn around its minimum. nil for external commands.
    var inMemoryModel: (any ScalarModel)? { get }
}

extension ChiSquareOracle {
    public func evaluate(_ points: OraclePoints, gradients: Bool) throws(OracleError) -> OracleResult { try evaluate(points) }
    public var provenance: Provenance { [] }
    public var ndataPerExperiment: [Int]? { nil }
    public var inMemoryModel: (any ScalarModel)? { nil }
}
