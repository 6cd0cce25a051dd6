import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis

/// The scan file `pdfemu chi2` writes: the points and their χ² from an oracle in the scan-file layout
/// (docs/FORMAT.md; `OracleFiles.write`), with provenance attributes, and how shards of one point file
/// (contiguous blocks of rows) are merged back into the file an unsharded run writes.
///
/// Root attributes (text): `format` = `pdfemu-chi2`, `format_version` = `1`, `pdfemu_version`, `oracle`
/// (the spec), `input` (the points file as given), `input_hash` (its bytes), `run_id` (hash of the input
/// and the oracle: shards of one run share it), `evaluated_at` (UTC, ISO 8601), `points_total` (N of
/// the input), `row_offset` (first input row held); shards also `shard_index`, `shard_count`.
public enum OracleScanFile {
    /// The `format` attribute.
    package static let formatTag = "pdfemu-chi2"

    /// The rows shard k/N of `n` points holds: the contiguous block [k·n/N, (k+1)·n/N).
    package static func rows(of shard: ShardSpec?, count n: Int) -> Range<Int> {
        guard let shard else { return 0..<n }
        return (shard.index * n / shard.count)..<((shard.index + 1) * n / shard.count)
    }

    /// Provenance attributes of one run.
    package static func attributes(oracle: String, input: String, inputHash: String, total: Int, rows: Range<Int>,
                                  shard: ShardSpec?, extra: Provenance = []) -> Provenance {
        var a: Provenance = [("format", formatTag), ("format_version", "1"), ("pdfemu_version", pdfemuVersion),
                                     ("oracle", oracle), ("input", input), ("input_hash", inputHash),
                                     ("run_id", RunIdentity.hash([inputHash, oracle] + extra.map { $0.key + "=" + $0.value })),
                                     ("evaluated_at", ISO8601DateFormatter().string(from: Date())),
                                     ("points_total", String(total)), ("row_offset", String(rows.lowerBound))]
        if let shard { a += [("shard_index", String(shard.index)), ("shard_count", String(shard.count))] }
        return a + extra
    }

    /// One file read back: its points, its result (undefined rows kept as such) and its attributes.
    public struct Contents: Sendable {
        public var points: OraclePoints
        public var result: OracleResult
        public var attributes: Provenance
        /// `/ndata_per_experiment` [E] (data points of each experiment), when the file holds it.
        public var ndataPerExperiment: [Int]? = nil
    }

    /// Reads a file written by `pdfemu chi2` (or any scan file), keeping undefined rows.
    public static func read(_ path: String) throws -> Contents {
        let points = try OraclePoints.read(path)
        let result: OracleResult
        do { result = try OracleFiles.readOutput(path, for: points) } catch {
            throw PDFEmuError(file: path, error.message.replacingOccurrences(of: "output ", with: "", options: .anchored))
        }
        let file = try HDF5File(open: path)
        let attrs = try file.provenance()
        var ndata: [Int]?
        if file.isDataset("/ndata_per_experiment") {
            let v = try file.read("/ndata_per_experiment", as: Int64.self).values
            guard v.count == result.experimentCount, v.allSatisfy({ $0 >= 0 }) else {
                throw PDFEmuError(file: path, "/ndata_per_experiment has \(v.count) entries for \(result.experimentCount) experiments (or a negative count)")
            }
            ndata = v.map { Int($0) }
        }
        return Contents(points: points, result: result, attributes: attrs, ndataPerExperiment: ndata)
    }

    /// Merges the shard files of one `pdfemu chi2 --shard k/N` run (each k once, any order) into
    /// `output`, atomically: the same points, χ² and attributes as the unsharded run (apart from
    /// `evaluated_at`, which is the first shard's). Throws one line naming the shard at fault.
    @discardableResult
    public static func merge(_ shards: [String], into output: String) throws -> Contents {
        guard !shards.isEmpty else { throw PDFEmuError(.step("merge"), "no shard files given") }
        try AtomicOutput.validateOutput(output, protecting: shards.map { ("shard", $0) })
        var parts: [(Int, String, Contents)] = []
        var runID: String?, count: Int?
        for path in shards {
            let c = try read(path)
            guard c.attributes["format"] == formatTag else {
                throw PDFEmuError(file: path, "not a pdfemu chi2 output (root attribute format ≠ \(formatTag))")
            }
            guard let k = c.attributes["shard_index"].flatMap({ Int($0) }), let n = c.attributes["shard_count"].flatMap({ Int($0) }) else {
                throw PDFEmuError(file: path, "not a shard (no shard_index/shard_count attributes)")
            }
            if runID == nil { runID = c.attributes["run_id"]; count = n }
            guard c.attributes["run_id"] == runID else {
                throw PDFEmuError(file: path, "belongs to another run (run_id differs from \(shards[0])'s: other input or oracle)")
            }
            guard n == count else { throw PDFEmuError(file: path, "shard \(k)/\(n), but \(shards[0]) is one of \(count!)") }
            if let other = parts.first(where: { $0.0 == k }) {
                throw PDFEmuError(.step("merge"), "shard \(k)/\(n) given twice (\(other.1), \(path))")
            }
            parts.append((k, path, c))
        }
        let n = count!
        if let missing = (0..<n).first(where: { k in !parts.contains { $0.0 == k } }) {
            throw PDFEmuError(.step("merge"), "shard \(missing)/\(n) missing")
        }
        parts.sort { $0.0 < $1.0 }
        var values: [Double] = []
        var result = OracleResult()
        for (k, path, c) in parts {
            guard c.points.parameterNames == parts[0].2.points.parameterNames else {
                throw PDFEmuError(file: path, "parameter names differ from \(parts[0].1)'s")
            }
            guard c.attributes["row_offset"] == String(values.count / c.points.parameterNames.count) else {
                throw PDFEmuError(file: path, "shard \(k)/\(n) starts at row \(c.attributes["row_offset"] ?? "?"), expected \(values.count / c.points.parameterNames.count)")
            }
            guard c.ndataPerExperiment == parts[0].2.ndataPerExperiment else {
                throw PDFEmuError(file: path, "/ndata_per_experiment differs from \(parts[0].1)'s")
            }
            values += c.points.values
            do { try result.append(c.result) } catch { throw PDFEmuError(file: path, error.message) }
        }
        let points = try OraclePoints(parameterNames: parts[0].2.points.parameterNames, values: values)
        guard String(points.count) == parts[0].2.attributes["points_total"] else {
            throw PDFEmuError(.step("merge"), "the shards hold \(points.count) points but the input had \(parts[0].2.attributes["points_total"] ?? "?")")
        }
        let drop: Set<String> = ["shard_index", "shard_count"]
        let attrs = parts[0].2.attributes.filter { !drop.contains($0.key) }
        let ndata = parts[0].2.ndataPerExperiment
        try OracleFiles.write(result, points: points, to: output, attributes: attrs, ndataPerExperiment: ndata)
        return Contents(points: points, result: result, attributes: attrs, ndataPerExperiment: ndata)
    }
}
