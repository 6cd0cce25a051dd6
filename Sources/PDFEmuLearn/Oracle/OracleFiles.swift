import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis

/// The files of the oracle protocol (docs/ORACLE.md).
///
/// - input: `/parameters` [N, P] float64 and `/parameter_names` [P] strings;
/// - output: `/chi2` [N] (also [N, 1]); optionally `/chi2_per_experiment` [N, E] with
///   `/experiment_names` [E] (default `exp0`, `exp1`, …), `/undefined_reason` [N] strings ("" for a
///   defined row), and `/parameter_names` [P], which must then equal the input's.
///
/// A result file written by `write(_:points:to:)` is both a valid output and a scan file
/// (docs/FORMAT.md), so an oracle program written in Swift and `pdfemu chi2` write the same thing.
public enum OracleFiles {
    /// Writes the input file for `points`.
    public static func writeInput(_ points: OraclePoints, to path: String) throws {
        let f = try HDF5File(create: path)
        try f.writePoints(points)
        try f.flush()
    }

    /// Reads an input file (what an oracle program does first).
    public static func readInput(_ path: String) throws -> OraclePoints { try OraclePoints.read(path) }

    /// Writes `result` for `points` atomically: `/parameters`, `/parameter_names`, `/chi2`,
    /// `/chi2_per_experiment` and `/experiment_names` (when E > 0), `/defined` [N] int32 (1 = defined),
    /// `/undefined_reason` [N] (only when a row is undefined), `/ndata_per_experiment` [E] int64 (when
    /// given), further int32 datasets [N] `extra` (e.g. /sample_kind), and root attributes `attributes`
    /// (provenance). Undefined rows hold NaN: scan readers drop them.
    public static func write(_ result: OracleResult, points: OraclePoints, to path: String,
                             attributes: Provenance = [], ndataPerExperiment: [Int]? = nil,
                             extra: [(String, [Int32])] = []) throws {
        precondition(points.count == result.count, "points and result differ in length")
        let n = result.count, e = result.experimentCount
        try AtomicOutput.write(to: path) { tmp in
            let f = try HDF5File(create: tmp)
            try f.writeProvenance(attributes)
            try f.writePoints(points, options: .compressed)
            try f.write("/chi2", result.chi2, shape: [n], options: .compressed)
            if e > 0 {
                try f.write("/chi2_per_experiment", result.chi2PerExperiment, shape: [n, e], options: .compressed)
                try f.writeStrings("/experiment_names", result.experimentNames)
                if let nd = ndataPerExperiment, nd.count == e {
                    try f.write("/ndata_per_experiment", nd.map(Int64.init), shape: [e])
                }
            }
            for (name, values) in extra where values.count == n { try f.write(name, values, shape: [n]) }
            try f.write("/defined", (0..<n).map { Int32(result.isDefined($0) ? 1 : 0) }, shape: [n], options: .compressed)
            if result.undefinedCount > 0 { try f.writeStrings("/undefined_reason", result.undefinedReasons.map { $0 ?? "" }) }
            try f.flush()
        }
    }

    /// Reads and checks an output file against the points asked. Every problem is one `OracleError`
    /// naming the dataset: kind `.unreadableOutput` (not HDF5, damaged), `.wrongShape` (missing `/chi2`,
    /// text, wrong length), `.wrongNames` (names differ or repeat).
    public static func readOutput(_ path: String, for points: OraclePoints) throws(OracleError) -> OracleResult {
        let n = points.count
        let file: HDF5File
        do { file = try HDF5File(open: path) } catch { throw unreadable(error) }
        func numbers(_ dataset: String) throws(OracleError) -> (shape: [Int], values: [Double]) {
            try Self.numbers(file, dataset)
        }
        func strings(_ dataset: String) throws(OracleError) -> [String] { try Self.strings(file, dataset) }

        guard file.isDataset("/chi2") else { throw OracleError(.wrongShape, "output has no /chi2 dataset") }
        let (shape, chi2) = try numbers("/chi2")
        guard chi2.count == n, shape.count == 1 || (shape.count == 2 && shape.contains(1)) else {
            throw OracleError(.wrongShape, "output /chi2: has shape \(shape), expected [\(n)] (one χ² per point)")
        }
        if file.isDataset("/parameter_names") {
            let names = try strings("/parameter_names")
            guard names == points.parameterNames else {
                throw OracleError(.wrongNames, "output /parameter_names \(names.joined(separator: ",")) differ from the input's "
                                  + points.parameterNames.joined(separator: ","))
            }
        }
        var expNames: [String] = [], perExp: [Double] = []
        if file.isDataset("/chi2_per_experiment") {
            let (s, v) = try numbers("/chi2_per_experiment")
            guard s.count == 2, s[0] == n, s[1] > 0 else {
                throw OracleError(.wrongShape, "output /chi2_per_experiment: has shape \(s), expected [\(n), E]")
            }
            perExp = v
            expNames = (0..<s[1]).map { "exp\($0)" }
            if file.isDataset("/experiment_names") {
                expNames = try strings("/experiment_names")
                guard expNames.count == s[1] else {
                    throw OracleError(.wrongNames, "output /experiment_names: has \(expNames.count) names but "
                                      + "/chi2_per_experiment has \(s[1]) experiments")
                }
                guard Set(expNames).count == expNames.count else {
                    throw OracleError(.wrongNames, "output /experiment_names: names are not unique")
                }
                // The rules every scan reader applies: what is accepted here can be read back.
                do { try NameRules.validate(expNames, what: "experiment", source: .input("output /experiment_names")) } catch {
                    throw OracleError(.wrongNames, error.message)
                }
            }
        }
        // A χ² is a sum of squares: a negative value is a broken oracle, not an undefined point.
        if let i = chi2.firstIndex(where: { $0 < 0 }) {
            throw OracleError(.wrongShape, "output /chi2: row \(i) is negative (\(chi2[i])); a χ² is ≥ 0")
        }
        if !expNames.isEmpty, let k = perExp.firstIndex(where: { $0 < 0 }) {
            let e = expNames.count
            throw OracleError(.wrongShape, "output /chi2_per_experiment: row \(k / e), experiment \(expNames[k % e]) is negative "
                              + "(\(perExp[k])); a χ² is ≥ 0")
        }
        var reasons: [String?]?
        if file.isDataset("/undefined_reason") {
            let r = try strings("/undefined_reason")
            guard r.count == n else {
                throw OracleError(.wrongShape, "output /undefined_reason: has \(r.count) entries, expected \(n)")
            }
            reasons = r.map { $0.isEmpty ? nil : $0 }
        }
        var result = try OracleResult(chi2: chi2, experimentNames: expNames, chi2PerExperiment: perExp, reasons: reasons)
        if file.isDataset("/gradient") {
            let (s, v) = try numbers("/gradient")
            let p = points.parameterNames.count
            guard s == [n, p] else {
                throw OracleError(.wrongShape, "output /gradient: has shape \(s), expected [\(n), \(p)] (one row per point, one column per input parameter)")
            }
            if file.isDataset("/gradient_names") {
                let names = try strings("/gradient_names")
                guard names == points.parameterNames else {
                    throw OracleError(.wrongNames, "output /gradient_names \(names.joined(separator: ",")) differ from the input's "
                                      + points.parameterNames.joined(separator: ","))
                }
            }
            do { try result.setGradient(v, names: points.parameterNames) } catch {
                throw OracleError(error.kind, "output /gradient: " + error.message)
            }
        }
        return result
    }

    private static func unreadable(_ e: HDF5Error) -> OracleError {
        OracleError(.unreadableOutput, "output file: " + (e.object.isEmpty ? e.message : "\(e.object): \(e.message)"))
    }

    private static func numbers(_ file: borrowing HDF5File, _ dataset: String) throws(OracleError) -> (shape: [Int], values: [Double]) {
        do {
            let info = try file.info(dataset)
            guard info.elementClass == .float || info.elementClass == .integer else {
                throw OracleError(.wrongShape, "output \(dataset): is a \(info.elementClass.rawValue) dataset, expected numbers")
            }
            return try file.read(dataset, as: Double.self)
        } catch let e as OracleError { throw e } catch let e as HDF5Error { throw unreadable(e) } catch {
            throw OracleError(.unreadableOutput, "output file: \(userMessage(error))")
        }
    }

    private static func strings(_ file: borrowing HDF5File, _ dataset: String) throws(OracleError) -> [String] {
        do {
            let info = try file.info(dataset)
            guard info.elementClass == .string else {
                throw OracleError(.wrongNames, "output \(dataset): is a \(info.elementClass.rawValue) dataset, expected strings")
            }
            return try file.readStrings(dataset)
        } catch let e as OracleError { throw e } catch let e as HDF5Error { throw unreadable(e) } catch {
            throw OracleError(.unreadableOutput, "output file: \(userMessage(error))")
        }
    }
}
