import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis

/// The state directory of `pdfemu learn` (`--state DIR`): everything `--resume` needs.
///
/// - `identity` — one line: the hash of the config text, the oracle, the scan, verification and
///   proposal settings and the initial design; a resumed run must match it.
/// - `points/NNNNNN.h5` — every oracle answer, one file per chunk, written (atomically) as soon as
///   the oracle returns and before anything uses it: the oracle-output layout of `pdfemu chi2`
///   (a scan file) with root attributes `batch` (which batch the rows belong to) and `row_offset`.
/// - `pending.h5` — the points of the batch being evaluated (attribute `batch`), removed when done.
/// - `round_R/emulator.h5`, `round_R/scan.h5` (with `/verification`) — each finished round.
/// - `rounds.tsv`, `curve.tsv` — the progress lines and the learning curve so far.
public struct LearnState: Sendable {
    /// The directory.
    public let directory: String

    /// Opens `directory`: creates it (and `points/`) for a new run (refusing a non-empty directory
    /// unless `resume`), or checks a resumed one against `identity` (refusing another config's state).
    public init(directory: String, identity: String, resume: Bool) throws {
        self.directory = directory
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let exists = fm.fileExists(atPath: directory, isDirectory: &isDir)
        if exists && !isDir.boolValue { throw PDFEmuError("--state \(directory): is a file, not a directory") }
        let idPath = directory + "/identity"
        if resume {
            guard exists, let stored = try? String(contentsOfFile: idPath, encoding: .utf8) else {
                throw PDFEmuError("--resume: \(directory) holds no learn state (no identity file)")
            }
            let line = stored.trimmingCharacters(in: .whitespacesAndNewlines)
            guard line == identity else {
                throw PDFEmuError("--state \(directory): was made with another config, oracle or options (identity \(line.prefix(12)) ≠ \(identity.prefix(12))); use a new --state directory")
            }
        } else {
            if exists, let items = try? fm.contentsOfDirectory(atPath: directory), !items.isEmpty {
                throw PDFEmuError("--state \(directory): is not empty; give --resume to continue it, or a new directory")
            }
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try AtomicOutput.write(to: idPath) { tmp in try (identity + "\n").write(toFile: tmp, atomically: false, encoding: .utf8) }
        }
        try fm.createDirectory(atPath: pointsDirectory, withIntermediateDirectories: true)
    }

    /// `points/`.
    public var pointsDirectory: String { directory + "/points" }
    /// `pending.h5`.
    public var pendingPath: String { directory + "/pending.h5" }
    /// `round_R/`.
    public func roundDirectory(_ r: Int) -> String { directory + "/round_\(r)" }
    /// `round_R/emulator.h5`.
    public func emulatorPath(_ r: Int) -> String { roundDirectory(r) + "/emulator.h5" }
    /// `round_R/scan.h5`.
    public func scanPath(_ r: Int) -> String { roundDirectory(r) + "/scan.h5" }

    /// The evaluated point files, in order.
    public func pointFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: pointsDirectory).filter { $0.hasSuffix(".h5") && !$0.hasPrefix(".") }
            .sorted().map { pointsDirectory + "/" + $0 }
    }

    /// Writes one oracle answer (rows `offset..<offset+n` of `batch`) as the next points file.
    public func record(_ points: OraclePoints, _ result: OracleResult, batch: String, offset: Int) throws {
        guard result.count > 0 else { return }
        let next = (try pointFiles().compactMap { Int(URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent) }.max() ?? -1) + 1
        let path = pointsDirectory + "/" + String(format: "%06d", next) + ".h5"
        try OracleFiles.write(result, points: points.rows(0..<result.count), to: path,
                              attributes: [("format", OracleScanFile.formatTag), ("batch", batch), ("row_offset", String(offset))])
    }

    /// Every point evaluated so far (defined and undefined rows) and, per batch, the rows held.
    public func evaluated() throws -> (points: OraclePoints?, result: OracleResult, rowsByBatch: [String: Int]) {
        var values: [Double] = [], names: [String]?
        var result = OracleResult()
        var rows: [String: Int] = [:]
        for path in try pointFiles() {
            let c = try OracleScanFile.read(path)
            if names == nil { names = c.points.parameterNames }
            guard c.points.parameterNames == names else { throw PDFEmuError("\(path): parameter names differ from the other evaluated points'") }
            values += c.points.values
            do { try result.append(c.result) } catch { throw PDFEmuError("\(path): \(error.message)") }
            rows[c.attributes["batch"] ?? "", default: 0] += c.points.count
        }
        let points = try names.map { try OraclePoints(parameterNames: $0, values: values) }
        return (points, result, rows)
    }

    /// Appends `line` to `name` (a table in the state directory), creating it with `header` first.
    public func append(_ name: String, header: String, _ line: String) throws {
        let path = directory + "/" + name
        if !FileManager.default.fileExists(atPath: path) { try (header + "\n").write(toFile: path, atomically: true, encoding: .utf8) }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: Data((line + "\n").utf8))
    }
}
