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
/// - `lock` — held (`flock`, exclusive) by the run using the directory; holds its process id.
/// - `journal.tsv` — what was asked before asking and what was answered before using it (`LearnJournal`);
///   a resumed run replays it and checks every file it names.
/// - `points/NNNNNN.h5` — every oracle answer, one file per oracle call, NNNNNN its sequence number,
///   written (atomically, fsync'd) as soon as the oracle returns and before anything uses it: the
///   oracle-output layout of `pdfemu chi2` (a scan file) with root attributes `batch`, `row_offset`,
///   `run` (the journal's run id) and `sequence`.
/// - `pending.h5` — the points of the batch being evaluated (attribute `batch`), removed when done.
/// - `round_R/emulator.h5`, `round_R/scan.h5` (with `/verification`) — each finished round.
/// - `rounds.tsv`, `curve.tsv` — the progress lines and the learning curve so far.
package struct LearnState: Sendable {
    /// The directory.
    package let directory: String
    /// The journal.
    let journal: LearnJournal
    /// The directory's lock, held while this value lives.
    let lock: StateLock

    /// Opens `directory`: creates it (and `points/`) for a new run (refusing a non-empty directory
    /// unless `resume`), or checks a resumed one against `identity` (refusing another config's state)
    /// and against its journal (refusing a missing, modified, swapped or foreign points file). Takes
    /// the directory's lock first (`LearnStateError.locked` if another run holds it). On any error
    /// nothing in the directory is changed.
    package init(directory: String, identity: String, resume: Bool) throws {
        self.directory = directory
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let exists = fm.fileExists(atPath: directory, isDirectory: &isDir)
        if exists && !isDir.boolValue { throw SettingError(.learnState, directory, "is a file, not a directory") }
        let idPath = directory + "/identity"
        if resume {
            guard exists, let stored = try? String(contentsOfFile: idPath, encoding: .utf8) else {
                throw SettingError(.learnResume, "\(directory) holds no learn state (no identity file)")
            }
            lock = try StateLock(directory: directory)
            let line = stored.trimmingCharacters(in: .whitespacesAndNewlines)
            guard line == identity else {
                throw SettingError(.learnState, directory, "was made with another config, oracle or options (identity \(line.prefix(12)) ≠ \(identity.prefix(12))); use a new state directory")
            }
            journal = try LearnJournal(open: directory)
            try Self.validate(directory: directory, journal: journal)
            try Self.trimTables(directory: directory, rounds: journal.rounds.keys.max() ?? 0)
        } else {
            if exists, let items = try? fm.contentsOfDirectory(atPath: directory), !Self.unused(directory, items) {
                // A learn state in use: say so (with the holder's pid) rather than only that it is not empty.
                if items.contains("identity") || items.contains("lock") { _ = try StateLock(directory: directory) }
                throw SettingError(.learnState, directory, "is not empty; resume it, or give a new directory")
            }
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            lock = try StateLock(directory: directory)
            // Another run may have taken the directory between the check and the lock.
            if let items = try? fm.contentsOfDirectory(atPath: directory), !Self.unused(directory, items) {
                throw SettingError(.learnState, directory, "is not empty; resume it, or give a new directory")
            }
            try fm.createDirectory(atPath: directory + "/points", withIntermediateDirectories: true)
            journal = try LearnJournal(create: directory)
            try AtomicOutput.write(to: idPath) { tmp in try (identity + "\n").write(toFile: tmp, atomically: false, encoding: .utf8) }
        }
    }

    /// True if a directory holding `items` has no learn state to lose: nothing but the lock, or a start
    /// killed before its identity was written (the lock, an empty `points/`, a journal with no record).
    static func unused(_ directory: String, _ items: [String]) -> Bool {
        let rest = items.filter { $0 != "lock" }
        if rest.isEmpty { return true }
        guard !rest.contains("identity"), Set(rest).isSubset(of: ["points", "journal.tsv"]) else { return false }
        if rest.contains("points"), !((try? FileManager.default.contentsOfDirectory(atPath: directory + "/points")) ?? ["?"]).isEmpty { return false }
        if rest.contains("journal.tsv"), let j = try? String(contentsOfFile: directory + "/journal.tsv", encoding: .utf8),
           j.split(separator: "\n").count > 1 { return false }
        return true
    }

    /// Checks every file the journal records (present, same SHA-256) and every points file it does not
    /// (only the answer of the last unanswered call, written by this run, is taken, and recorded).
    static func validate(directory: String, journal: LearnJournal) throws {
        let fm = FileManager.default
        func verify(_ file: String, _ sha: String, _ what: String) throws {
            let path = directory + "/" + file
            guard fm.fileExists(atPath: path) else { throw LearnStateError.missing(file: path, what: what) }
            guard LearnJournal.sha256(file: path) == sha else { throw LearnStateError.modified(file: path, what: what + ": its SHA-256 differs from the journal's") }
        }
        for a in journal.answers { try verify(a.file, a.sha, "answer \(a.seq) of batch \(a.batch) in journal.tsv") }
        for (r, f) in journal.fits.sorted(by: { $0.key < $1.key }) { try verify(f.file, f.sha, "round \(r)'s emulator in journal.tsv") }
        for (r, f) in journal.rounds.sorted(by: { $0.key < $1.key }) { try verify(f.file, f.sha, "round \(r)'s scan in journal.tsv") }
        let recorded = Set(journal.answers.map(\.file))
        let pointsDir = directory + "/points"
        let names = ((try? fm.contentsOfDirectory(atPath: pointsDir)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        var adopt: LearnJournal.Answer?
        for name in names where !recorded.contains("points/" + name) {
            let path = pointsDir + "/" + name
            let c: OracleScanFile.Contents
            do { c = try OracleScanFile.read(path) } catch {
                throw LearnStateError.foreign(file: path, reason: "not a points file: \(userMessage(error))")
            }
            guard let run = c.attributes["run"], run == journal.runID else {
                throw LearnStateError.foreign(file: path, reason: c.attributes["run"].map { "its run id \($0) is not this state's \(journal.runID)" } ?? "it has no run id")
            }
            let seq = c.attributes["sequence"].flatMap { Int($0) } ?? -1
            guard let ask = journal.unansweredAsk, adopt == nil, seq == ask.seq, name == Self.pointsName(seq),
                  c.attributes["batch"] == ask.batch, c.attributes["row_offset"] == String(ask.lo),
                  c.points.count == ask.hi - ask.lo, LearnJournal.digest(c.points) == ask.digest else {
                throw LearnStateError.modified(file: path, what: "sequence \(seq) is not the journal's next unanswered call")
            }
            adopt = LearnJournal.Answer(seq: seq, batch: ask.batch, lo: ask.lo, hi: ask.hi, file: "points/" + name,
                                        sha: LearnJournal.sha256(file: path) ?? "")
        }
        // The answer of the last call was stored but not yet recorded (a kill in between): record it.
        if let adopt { try journal.recordAnswer(adopt) }
    }

    /// Keeps only the rows of `rounds.tsv` and `curve.tsv` of rounds the journal records as complete (a
    /// kill between appending them and recording the round leaves rows the replay writes again).
    static func trimTables(directory: String, rounds: Int) throws {
        for name in ["rounds.tsv", "curve.tsv"] {
            let path = directory + "/" + name
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            guard let header = lines.first else { continue }
            let keep = [header] + lines.dropFirst().filter { l in
                guard let r = Int(l.prefix { $0 != "\t" }) else { return false }
                return r <= rounds
            }
            if keep.count != lines.count || !text.hasSuffix("\n") {
                try AtomicOutput.write(Data((keep.joined(separator: "\n") + "\n").utf8), to: path)
            }
        }
    }

    /// `points/`.
    package var pointsDirectory: String { directory + "/points" }
    /// `pending.h5`.
    package var pendingPath: String { directory + "/pending.h5" }
    /// `journal.tsv`.
    package var journalPath: String { journal.path }
    /// `round_R/`.
    package func roundDirectory(_ r: Int) -> String { directory + "/round_\(r)" }
    /// `round_R/emulator.h5`.
    package func emulatorPath(_ r: Int) -> String { roundDirectory(r) + "/emulator.h5" }
    /// `round_R/scan.h5`.
    package func scanPath(_ r: Int) -> String { roundDirectory(r) + "/scan.h5" }
    static func pointsName(_ seq: Int) -> String { String(format: "%06d", seq) + ".h5" }

    /// The evaluated point files, in journal order.
    package func pointFiles() throws -> [String] { journal.answers.map { directory + "/" + $0.file } }

    /// Writes one oracle answer (rows `lo..<lo+n` of `batch`, asked as call `seq`) as points file `seq`,
    /// fsync'd, then records it in the journal; returns the journal record.
    func store(_ points: OraclePoints, _ result: OracleResult, batch: String, offset: Int, sequence seq: Int) throws -> LearnJournal.Answer {
        let file = "points/" + Self.pointsName(seq)
        let path = directory + "/" + file
        try OracleFiles.write(result, points: points.rows(0..<result.count), to: path,
                              attributes: [("format", OracleScanFile.formatTag), ("batch", batch), ("row_offset", String(offset)),
                                           ("run", journal.runID), ("sequence", String(seq))])
        try LearnJournal.sync(file: path)
        try journal.step("stored")
        guard let sha = LearnJournal.sha256(file: path) else { throw LearnStateError.missing(file: path, what: "just written") }
        let answer = LearnJournal.Answer(seq: seq, batch: batch, lo: offset, hi: offset + result.count, file: file, sha: sha)
        try journal.recordAnswer(answer)
        return answer
    }

    /// Every point evaluated so far (defined and undefined rows) in journal order and, per batch, the rows held.
    package func evaluated() throws -> (points: OraclePoints?, result: OracleResult, rowsByBatch: [String: Int]) {
        var e = EvaluatedPoints()
        for a in journal.answers { try e.add(file: directory + "/" + a.file) }
        return e.tuple
    }

    /// Appends `line` to `name` (a table in the state directory), creating it with `header` first.
    package func append(_ name: String, header: String, _ line: String) throws {
        let path = directory + "/" + name
        if !FileManager.default.fileExists(atPath: path) { try (header + "\n").write(toFile: path, atomically: true, encoding: .utf8) }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: Data((line + "\n").utf8))
    }
}

/// The evaluated points of a learn run in the order they were stored, with an exact lookup
/// (bit-identical coordinates) from a point to its row.
struct EvaluatedPoints {
    var names: [String]?
    var values: [Double] = []
    var result = OracleResult()
    var rowsByBatch: [String: Int] = [:]
    private var index: [[UInt64]: Int] = [:]

    /// Rows stored.
    var count: Int { result.count }
    var points: OraclePoints? { names.flatMap { try? OraclePoints(parameterNames: $0, values: values) } }
    var tuple: (points: OraclePoints?, result: OracleResult, rowsByBatch: [String: Int]) { (points, result, rowsByBatch) }

    static func key(_ theta: [Double]) -> [UInt64] { theta.map(\.bitPattern) }

    /// The row holding exactly `theta` (the first, if stored twice).
    func row(of theta: [Double]) -> Int? { index[Self.key(theta)] }

    /// Adds a stored points file.
    mutating func add(file path: String) throws {
        let c = try OracleScanFile.read(path)
        try add(c.points, c.result, batch: c.attributes["batch"] ?? "", source: path)
    }

    mutating func add(_ points: OraclePoints, _ r: OracleResult, batch: String, source: String) throws {
        if names == nil { names = points.parameterNames }
        guard points.parameterNames == names else { throw PDFEmuError(file: source, "parameter names differ from the other evaluated points'") }
        do { try result.append(r) } catch { throw PDFEmuError(file: source, error.message) }
        let base = values.count / max(1, names!.count)
        for i in 0..<points.count where index[Self.key(points.point(i))] == nil { index[Self.key(points.point(i))] = base + i }
        values += points.values
        rowsByBatch[batch, default: 0] += points.count
    }
}
