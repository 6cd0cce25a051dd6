import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis

/// Why a learn state directory cannot be used; each case names the file at fault.
package enum LearnStateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another learn run holds the directory's lock (its process id, if it wrote one).
    case locked(directory: String, pid: Int32?)
    /// A file the journal records is missing.
    case missing(file: String, what: String)
    /// A file's SHA-256 or sequence differs from what the journal records (modified, replaced or swapped).
    case modified(file: String, what: String)
    /// A points file the journal does not record and this run did not write.
    case foreign(file: String, reason: String)
    /// The journal itself is unreadable or inconsistent.
    case journal(file: String, reason: String)
    /// A replayed batch's points differ from those the journal recorded (the run is not deterministic).
    case replayMismatch(batch: String, reason: String)

    package var description: String {
        switch self {
        case .locked(let d, let pid):
            return "state directory \(d): in use by another pdfemu learn" + (pid.map { " (pid \($0))" } ?? "") + "; wait for it to end or use another state directory"
        case .missing(let f, let what): return "\(f): missing (\(what)); the state is damaged"
        case .modified(let f, let what): return "\(f): modified, replaced or swapped (\(what)); the state is damaged"
        case .foreign(let f, let reason): return "\(f): not written by this learn run (\(reason)); remove it or use another state directory"
        case .journal(let f, let reason): return "\(f): \(reason)"
        case .replayMismatch(let b, let reason): return "batch \(b): \(reason)"
        }
    }
}

/// An exclusive `flock` on `DIR/lock`, held until released or the object is freed; the file holds
/// the holder's process id.
final class StateLock: @unchecked Sendable {
    private var fd: Int32
    private let directory: String

    /// Takes the lock on `directory` at once or throws `LearnStateError.locked` with the holder's pid.
    init(directory: String) throws {
        self.directory = directory
        fd = -1
        try acquire()
    }

    /// Takes the lock again after `release` (a learner run a second time).
    func acquire() throws {
        guard fd < 0 else { return }
        let path = directory + "/lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PDFEmuError(file: path, "cannot open the lock file: \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            close(fd)
            fd = -1
            guard err == EWOULDBLOCK else { throw PDFEmuError(file: path, "cannot lock: \(String(cString: strerror(err)))") }
            // The holder writes its pid right after locking; give it a moment.
            var pid: Int32?
            for _ in 0..<20 {
                if let s = try? String(contentsOfFile: path, encoding: .utf8), let p = Int32(s.trimmingCharacters(in: .whitespacesAndNewlines)) { pid = p; break }
                usleep(5_000)
            }
            throw LearnStateError.locked(directory: directory, pid: pid)
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, text, text.count, 0)
    }

    /// True while the lock is held.
    var isHeld: Bool { fd >= 0 }

    /// Releases the lock (also done when the object is freed).
    func release() { if fd >= 0 { close(fd); fd = -1 } }

    deinit { release() }
}

/// The journal of a learn state directory, `journal.tsv`: one tab-separated record per line, each
/// appended and fsync'd before the step it records is relied on (docs/FORMAT.md, "Learn state").
///
/// - `run RUNID 2` — the first line: the run's id (every points file carries it) and the version;
/// - `batch NAME PURPOSE COUNT DIGEST FILE SHA256` — a batch of COUNT distinct points about to be asked
///   (PURPOSE `initial`, `round` (a round's verification and proposal points), `verification` (a round's
///   verification points alone), `proposal` or `refine`; DIGEST the SHA-256 of the points; FILE the file
///   holding them, `pending.h5` or the initial scan, with its SHA-256);
/// - `ask SEQ NAME LO HI DIGEST` — rows LO..<HI of batch NAME are about to be sent to the oracle; their
///   answer will be points file SEQ;
/// - `answer SEQ NAME LO HI FILE SHA256` — the answer is stored in FILE (`points/SEQ.h5`, fsync'd);
/// - `fit R FILE SHA256` — round R's emulator is stored;
/// - `round R FILE SHA256` — round R is complete (its scan with verification stored, its rows appended
///   to `rounds.tsv` and `curve.tsv`).
final class LearnJournal: @unchecked Sendable {
    struct Batch: Equatable { var name: String, purpose: String, count: Int, digest: String, file: String, sha: String }
    struct Answer: Equatable { var seq: Int, batch: String, lo: Int, hi: Int, file: String, sha: String }
    struct Ask: Equatable { var seq: Int, batch: String, lo: Int, hi: Int, digest: String }

    let directory: String
    let path: String
    private(set) var runID = ""
    private(set) var batches: [String: Batch] = [:]
    private(set) var answers: [Answer] = []
    private(set) var asks: [Ask] = []
    private(set) var fits: [Int: (file: String, sha: String)] = [:]
    private(set) var rounds: [Int: (file: String, sha: String)] = [:]
    /// Called at each named step with its running number (tests: a kill at the k-th step).
    var hook: (@Sendable (Int, String) throws -> Void)?
    private var steps = 0

    /// The journal's version: 2 since each round asks its verification and proposals as one batch `round-R`.
    static let version = "2"

    /// The next answer's sequence number.
    var nextSequence: Int { answers.count }

    /// Creates a new journal with a fresh run id.
    init(create directory: String) throws {
        self.directory = directory
        path = directory + "/journal.tsv"
        runID = UUID().uuidString.lowercased()
        try AtomicOutput.write(Data("run\t\(runID)\t\(Self.version)\n".utf8), to: path)
        try Self.syncDirectory(directory)
    }

    /// Reads an existing journal (a torn last line, from a kill while writing it, is dropped).
    init(open directory: String) throws {
        self.directory = directory
        path = directory + "/journal.tsv"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LearnStateError.journal(file: path, reason: "missing: a learn state without a journal (made by an older pdfemu, or damaged) cannot be resumed; start a new state directory")
        }
        var text = String(decoding: data, as: UTF8.self)
        if !text.hasSuffix("\n"), let cut = text.lastIndex(of: "\n") {
            text = String(text[...cut])
            try AtomicOutput.write(Data(text.utf8), to: path)
        }
        for (i, line) in text.split(separator: "\n").enumerated() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            func bad() -> LearnStateError { .journal(file: path, reason: "line \(i + 1) is not a journal record") }
            if i == 0 {
                guard f.count == 3, f[0] == "run" else { throw bad() }
                guard f[2] == Self.version else {
                    throw LearnStateError.journal(file: path, reason: f[2] == "1"
                        ? "version 1, made by an older pdfemu that asked each round's verification and proposals as two batches; this one asks them as one and cannot resume it; start a new state directory"
                        : "version \(f[2]) is not this pdfemu's \(Self.version)")
                }
                runID = f[1]
                continue
            }
            switch f.first {
            case "batch":
                guard f.count == 7, let n = Int(f[3]) else { throw bad() }
                batches[f[1]] = Batch(name: f[1], purpose: f[2], count: n, digest: f[4], file: f[5], sha: f[6])
            case "ask":
                guard f.count == 6, let s = Int(f[1]), let lo = Int(f[3]), let hi = Int(f[4]) else { throw bad() }
                asks.append(Ask(seq: s, batch: f[2], lo: lo, hi: hi, digest: f[5]))
            case "answer":
                guard f.count == 7, let s = Int(f[1]), let lo = Int(f[3]), let hi = Int(f[4]), s == answers.count else { throw bad() }
                answers.append(Answer(seq: s, batch: f[2], lo: lo, hi: hi, file: f[5], sha: f[6]))
            case "fit":
                guard f.count == 4, let r = Int(f[1]) else { throw bad() }
                fits[r] = (f[2], f[3])
            case "round":
                guard f.count == 4, let r = Int(f[1]) else { throw bad() }
                rounds[r] = (f[2], f[3])
            default: throw bad()
            }
        }
        guard !runID.isEmpty else { throw LearnStateError.journal(file: path, reason: "empty journal") }
    }

    /// The answers of batch `name`, in order.
    func answers(of name: String) -> [Answer] { answers.filter { $0.batch == name } }

    /// The last ask with no answer (a kill or an oracle failure between asking and storing).
    var unansweredAsk: Ask? {
        guard let last = asks.last, last.seq >= answers.count else { return nil }
        return last
    }

    /// Runs the test hook for step `name`.
    func step(_ name: String) throws {
        steps += 1
        try hook?(steps, name)
    }

    func recordBatch(_ b: Batch) throws {
        try append(["batch", b.name, b.purpose, String(b.count), b.digest, b.file, b.sha])
        batches[b.name] = b
        try step("batch")
    }

    func recordAsk(_ a: Ask) throws {
        try append(["ask", String(a.seq), a.batch, String(a.lo), String(a.hi), a.digest])
        asks.append(a)
        try step("ask")
    }

    func recordAnswer(_ a: Answer) throws {
        precondition(a.seq == answers.count)
        try append(["answer", String(a.seq), a.batch, String(a.lo), String(a.hi), a.file, a.sha])
        answers.append(a)
        try step("answer")
    }

    func recordFit(_ round: Int, file: String, sha: String) throws {
        try append(["fit", String(round), file, sha])
        fits[round] = (file, sha)
        try step("fit")
    }

    func recordRound(_ round: Int, file: String, sha: String) throws {
        try append(["round", String(round), file, sha])
        rounds[round] = (file, sha)
        try step("round")
    }

    /// Appends one record and fsyncs it.
    private func append(_ fields: [String]) throws {
        let line = Array((fields.joined(separator: "\t") + "\n").utf8)
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw PDFEmuError(file: path, "cannot open for appending: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let n = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard n == line.count else { throw PDFEmuError(file: path, "cannot append: \(String(cString: strerror(errno)))") }
        guard fsync(fd) == 0 else { throw PDFEmuError(file: path, "cannot fsync: \(String(cString: strerror(errno)))") }
    }

    /// fsyncs a file (after an atomic rename: its contents) and its directory (the rename).
    static func sync(file: String) throws {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PDFEmuError(file: file, "cannot open to fsync: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw PDFEmuError(file: file, "cannot fsync: \(String(cString: strerror(errno)))") }
        try syncDirectory(URL(fileURLWithPath: file).deletingLastPathComponent().path)
    }

    static func syncDirectory(_ dir: String) throws {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = fsync(fd)
    }

    /// The SHA-256 of a file's bytes (nil: unreadable).
    static func sha256(file: String) -> String? {
        guard let d = FileManager.default.contents(atPath: file) else { return nil }
        return SHA256.hex(d)
    }

    /// The SHA-256 of points: the parameter names, then every value's IEEE-754 bits (little-endian).
    static func digest(_ p: OraclePoints) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(p.values.count * 8 + 64)
        for n in p.parameterNames { bytes += Array(n.utf8) + [0] }
        for v in p.values { var b = v.bitPattern.littleEndian; withUnsafeBytes(of: &b) { bytes += $0 } }
        return SHA256.hex(Data(bytes))
    }
}
