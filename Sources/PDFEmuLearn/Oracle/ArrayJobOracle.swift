import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
#if canImport(Glibc)
import Glibc
#endif

/// Settings of an `ArrayJobOracle`.
package struct ArrayJobSettings: Sendable, Equatable {
    /// Tasks per array, N ≥ 1 (a batch of fewer points gets one task per point).
    package var tasks: Int
    /// Directory on disk shared with the compute nodes; each batch gets a directory in it.
    package var workDirectory: String
    /// What one task runs, with `{oracle}` (`innerOracle`), `{input}` (the batch's points file), `{shard}`
    /// (`k/N`) and `{output}` (the shard file to write) filled in, shell-quoted, in one pass; it must
    /// write a `pdfemu chi2` shard file (`OracleScanFile`) atomically.
    package var taskCommand: String
    /// The oracle spec each task's `pdfemu chi2` evaluates with: the `oracle` attribute a shard must carry.
    package var innerOracle: String
    /// Identifies the run that owns the batches (e.g. a learn state directory); part of each batch's key.
    package var runID: String
    /// Times a shard is submitted again after its task failed, was cancelled, timed out or wrote a
    /// damaged or foreign shard, before the evaluation stops (≥ 0).
    package var maxRetries: Int
    /// When set, the oracle does not wait: it submits the missing shards and then a job that runs this
    /// shell command once the array has ended (e.g. the driver again, resuming), records it, and stops
    /// with `ArrayJobOracle.submittedAndExited` set.
    package var resumeCommand: String?

    /// Creates the settings (2 retries, waiting).
    package init(tasks: Int, workDirectory: String, taskCommand: String, innerOracle: String, runID: String,
                maxRetries: Int = 2, resumeCommand: String? = nil) {
        self.tasks = tasks; self.workDirectory = workDirectory; self.taskCommand = taskCommand
        self.innerOracle = innerOracle; self.runID = runID; self.maxRetries = maxRetries; self.resumeCommand = resumeCommand
    }
}

/// What an `ArrayJobOracle` did, readable after `evaluate` returns or throws (for the caller's last line).
package final class ArrayJobLog: @unchecked Sendable {
    private let lock = NSLock()
    private var _submitted: String?
    private var _timings: [ArrayJobTiming] = []
    /// Set when the oracle submitted jobs and stopped instead of waiting (exit-and-resume): what it submitted.
    package var submittedAndExited: String? { lock.lock(); defer { lock.unlock() }; return _submitted }
    /// One entry per completed batch.
    package var timings: [ArrayJobTiming] { lock.lock(); defer { lock.unlock() }; return _timings }
    func setSubmitted(_ s: String) { lock.lock(); _submitted = s; lock.unlock() }
    func add(_ t: ArrayJobTiming) { lock.lock(); _timings.append(t); lock.unlock() }
    /// Creates an empty log.
    package init() {}
}

/// Seconds one batch spent in each phase (wall clock).
package struct ArrayJobTiming: Sendable, Equatable {
    /// Points of the batch.
    package var points: Int
    /// Arrays submitted for it by this process (0: every shard had landed already).
    package var submissions: Int
    /// Writing the batch directory and the submit commands.
    package var submitSeconds: Double
    /// Waiting for the tasks (queueing and running, χ² included).
    package var waitSeconds: Double
    /// Checking the shards and writing the merged result.
    package var mergeSeconds: Double
}

/// An oracle that evaluates each batch as an array job of a batch system (docs/CLUSTER.md).
///
/// The batch's points are written once into `WORK/batch-ID/points.h5`, ID a hash of the run id, the
/// inner oracle, N and the points' bits: the same points in the same run find the same directory again.
/// Array task k runs `taskCommand` for shard k/N and writes `shard_k.h5`. pdfemu polls the scheduler
/// for the tasks of the batch still active (by the batch's job name), checks every shard that landed
/// (readable; `format`, `oracle`, `input_hash` of this `points.h5`, `shard_index`/`shard_count`; the very
/// points of its rows; a valid shard is taken as soon as it lands, though its task may still be listed)
/// and submits again only the shards missing once their task has ended: a task that
/// failed, was cancelled or timed out, or wrote a damaged or foreign shard (moved to `rejected/`). With
/// every shard in, they are merged into `result.h5`, which a later call with the same points returns
/// without submitting anything. A driver killed at any moment loses nothing: the next call waits for
/// the tasks still active and submits only what is missing. Job ids are appended to `jobs.tsv` right
/// after each submission; an exclusive lock on `lock` keeps a second driver out of the batch.
package struct ArrayJobOracle: ChiSquareOracle {
    /// The settings.
    package let settings: ArrayJobSettings
    /// The batch system.
    package let scheduler: any BatchScheduler
    /// Receives one line per submission, resubmission and finished batch.
    package var log: @Sendable (String) -> Void
    /// Polled while waiting; true stops the wait (the tasks keep running; kind `.interrupted`).
    package var shouldStop: @Sendable () -> Bool
    /// What was done (timings, exit-and-resume).
    package let record: ArrayJobLog

    /// Checks the settings: N ≥ 1, retries ≥ 0, a task command holding `{input}`, `{shard}` and `{output}`.
    package init(settings: ArrayJobSettings, scheduler: any BatchScheduler, log: @escaping @Sendable (String) -> Void = { _ in },
                shouldStop: @escaping @Sendable () -> Bool = { false }) throws(OracleError) {
        let label = "\(scheduler.name) array"
        guard settings.tasks >= 1 else { throw OracleError(.spec, oracle: label, "array tasks must be ≥ 1 (got \(settings.tasks))") }
        guard settings.maxRetries >= 0 else { throw OracleError(.spec, oracle: label, "retries must be ≥ 0 (got \(settings.maxRetries))") }
        for p in ["{input}", "{shard}", "{output}"] where !settings.taskCommand.contains(p) {
            throw OracleError(.spec, oracle: label, "the task command must contain \(p)")
        }
        guard !settings.workDirectory.isEmpty else { throw OracleError(.spec, oracle: label, "the work directory is empty") }
        self.settings = settings
        self.scheduler = scheduler
        self.log = log
        self.shouldStop = shouldStop
        self.record = ArrayJobLog()
    }

    package var label: String { "\(scheduler.name) array of \(settings.tasks) × \(settings.innerOracle)" }
    package var parameterNames: [String]? { nil }

    /// The batch key of `points`: 32 hex digits.
    package func batchID(_ points: OraclePoints) -> String {
        var parts = [settings.runID, settings.innerOracle, String(settings.tasks)] + points.parameterNames + ["|"]
        parts.reserveCapacity(parts.count + points.values.count)
        for v in points.values { parts.append(String(v.bitPattern, radix: 16)) }
        return RunIdentity.hash(parts)
    }

    /// The batch directory of `points`.
    package func batchDirectory(_ points: OraclePoints) -> String {
        settings.workDirectory + "/batch-" + batchID(points).prefix(16)
    }

    package func evaluate(_ points: OraclePoints) throws(OracleError) -> OracleResult {
        if points.count == 0 { return OracleResult() }
        do { return try run(points) } catch let e as OracleError { throw e.from(label) } catch {
            throw OracleError(.io, oracle: label, userMessage(error))
        }
    }

    private func run(_ points: OraclePoints) throws -> OracleResult {
        let t0 = Date()
        let id = batchID(points)
        let dir = settings.workDirectory + "/batch-" + id.prefix(16)
        let n = min(settings.tasks, points.count)
        let input = dir + "/points.h5", resultPath = dir + "/result.h5", jobName = "pdfemu-" + id.prefix(16)
        try prepare(dir: dir, id: id, points: points, tasks: n)
        let lock = try Self.lock(dir + "/lock")
        defer { close(lock) }
        let inputHash = try RunIdentity.fileHash(input)
        if FileManager.default.fileExists(atPath: resultPath), let r = try? readValidated(resultPath, shard: nil, points: points, inputHash: inputHash) {
            record.add(ArrayJobTiming(points: points.count, submissions: 0, submitSeconds: 0, waitSeconds: 0,
                                      mergeSeconds: Date().timeIntervalSince(t0)))
            log("batch \(id.prefix(16)): \(points.count) points taken from \(resultPath) (merged by an earlier run; 0 array(s) submitted)")
            return r
        }
        var landed: [Int: OracleResult] = [:]
        // shard → submissions: by this process; in exit-and-resume mode all recorded in jobs.tsv (each run submits once)
        var submissions: [Int: Int] = [:]
        if settings.resumeCommand != nil {
            for line in ((try? String(contentsOfFile: dir + "/jobs.tsv", encoding: .utf8)) ?? "").split(separator: "\n") {
                let f = line.split(separator: "\t")
                if f.count >= 2 { for k in SlurmScheduler.indices(String(f[1])) { submissions[k, default: 0] += 1 } }
            }
        }
        var submitted = 0, submitSeconds = Date().timeIntervalSince(t0), loopSubmit = 0.0
        let tLoop = Date()
        while true {
            // The queue first, then the files: a task not active now has written all it will write.
            let active = try scheduler.activeTasks(jobName: jobName)
            var missing: [Int] = []
            for k in 0..<n where landed[k] == nil {
                let path = dir + "/shard_\(k).h5"
                if active.contains(k) {
                    // A shard is written whole (renamed into place) before its task leaves the queue: take it
                    // as soon as it is there and valid, not a scheduler round later. Judged when the task ends otherwise.
                    if FileManager.default.fileExists(atPath: path), let r = try? readValidated(path, shard: k, points: points, inputHash: inputHash) {
                        landed[k] = r
                    }
                    continue
                }
                guard FileManager.default.fileExists(atPath: path) else { missing.append(k); continue }
                do { landed[k] = try readValidated(path, shard: k, points: points, inputHash: inputHash) } catch {
                    let aside = dir + "/rejected/shard_\(k).\(Int(Date().timeIntervalSince1970 * 1000)).h5"
                    try FileManager.default.createDirectory(atPath: dir + "/rejected", withIntermediateDirectories: true)
                    try FileManager.default.moveItem(atPath: path, toPath: aside)
                    log("batch \(id.prefix(16)): shard \(k)/\(n) refused (\(userMessage(error))); moved to \(aside)")
                    missing.append(k)
                }
            }
            if landed.count == n { break }
            if !missing.isEmpty {
                let ts = Date()
                if let k = missing.first(where: { submissions[$0, default: 0] > settings.maxRetries }) {
                    throw OracleError(.exitStatus, "shard \(k)/\(n) of \(dir) still missing after \(submissions[k]!) submissions"
                                      + " (\(taskEnd(dir: dir, shard: k))\(lastLogLine(dir: dir, shard: k))); \(landed.count) of \(n) shards landed and are kept"
                                      + (active.isEmpty ? "" : ", \(active.count) task(s) still active")
                                      + "; run again to submit the missing shards")
                }
                for k in missing where submissions[k] != nil {
                    log("batch \(id.prefix(16)): shard \(k)/\(n) did not land (\(taskEnd(dir: dir, shard: k))\(lastLogLine(dir: dir, shard: k))); submitting it again")
                }
                let job = try scheduler.submitArray(script: dir + "/task.sh", indices: missing, jobName: jobName,
                                                    directory: dir, logDirectory: dir + "/logs")
                try appendLine(dir + "/jobs.tsv", "\(job)\t\(SlurmScheduler.arrayList(missing))\t\(ISO8601DateFormatter().string(from: Date()))")
                for k in missing { submissions[k, default: 0] += 1 }
                submitted += 1
                log("batch \(id.prefix(16)): submitted array job \(job) (tasks \(SlurmScheduler.arrayList(missing)) of \(n); \(points.count) points) in \(dir)")
                loopSubmit += Date().timeIntervalSince(ts)
            }
            if let resume = settings.resumeCommand {
                try submitResume(resume, dir: dir, id: id, jobName: jobName)
                throw OracleError(.interrupted, "submitted; \(record.submittedAndExited ?? "")")
            }
            if shouldStop() {
                throw OracleError(.interrupted, "interrupted while waiting; the tasks of \(jobName) keep running and land in \(dir)")
            }
            let poll = (scheduler as? SlurmScheduler)?.settings.pollInterval ?? 0.2
            usleep(useconds_t(poll * 1_000_000))
        }
        submitSeconds += loopSubmit
        let waitSeconds = Date().timeIntervalSince(tLoop) - loopSubmit
        let tWait = Date()
        let paths = (0..<n).map { dir + "/shard_\($0).h5" }
        let merged = try OracleScanFile.merge(paths, into: resultPath)
        guard merged.points == points, merged.result.count == points.count else {
            throw OracleError(.wrongShape, "\(resultPath): the merged shards do not hold the batch's points")
        }
        let timing = ArrayJobTiming(points: points.count, submissions: submitted, submitSeconds: submitSeconds,
                                    waitSeconds: max(0, waitSeconds), mergeSeconds: Date().timeIntervalSince(tWait))
        record.add(timing)
        try appendLine(settings.workDirectory + "/timing.tsv",
                       "\(id.prefix(16))\t\(timing.points)\t\(n)\t\(timing.submissions)\t\(Fmt.fixed(timing.submitSeconds, 3))\t"
                       + "\(Fmt.fixed(timing.waitSeconds, 3))\t\(Fmt.fixed(timing.mergeSeconds, 3))",
                       header: "batch\tpoints\ttasks\tarrays\tsubmit_s\twait_s\tmerge_s")
        log("batch \(id.prefix(16)): \(points.count) points from \(n) shards (\(submitted) array(s) submitted); merged into \(resultPath)")
        return merged.result
    }

    /// Creates the batch directory with `points.h5` (attributes `batch_id`, `run_id`, `oracle`,
    /// `shard_count`) and `task.sh`, or checks that an existing one holds these very points.
    private func prepare(dir: String, id: String, points: OraclePoints, tasks n: Int) throws {
        let fm = FileManager.default
        let input = dir + "/points.h5"
        if fm.fileExists(atPath: input) {
            let have = try OraclePoints.read(input)
            let f = try HDF5File(open: input)
            guard have == points, (try? f.readStringAttribute("batch_id")) == id else {
                throw OracleError(.io, "\(input): holds other points than this batch (batch_id differs); move the directory away")
            }
        } else {
            try fm.createDirectory(atPath: dir + "/logs", withIntermediateDirectories: true)
            try AtomicOutput.write(to: input) { tmp in
                let f = try HDF5File(create: tmp)
                try f.writePoints(points)
                for (k, v) in [("batch_id", id), ("run_id", settings.runID), ("oracle", settings.innerOracle), ("shard_count", String(n))] {
                    try f.writeAttribute(k, v)
                }
                try f.flush()
            }
        }
        try fm.createDirectory(atPath: dir + "/logs", withIntermediateDirectories: true)
        let command = Self.fill(settings.taskCommand, [
            "{oracle}": ShellCommand.quote(settings.innerOracle), "{input}": ShellCommand.quote(input),
            "{shard}": "\"$k/\(n)\"", "{output}": ShellCommand.quote(dir) + "/\"shard_$k.h5\""])
        let script = """
            #!/bin/sh
            # pdfemu array task: evaluates shard k/\(n) of \(input) (k: $1, or the scheduler's task index)
            k=${1:-${SLURM_ARRAY_TASK_ID:?no task index: give it as the first argument}}
            \(command)

            """
        if (try? String(contentsOfFile: dir + "/task.sh", encoding: .utf8)) != script {
            try AtomicOutput.write(Data(script.utf8), to: dir + "/task.sh")
            chmod(dir + "/task.sh", 0o755)
        }
    }

    /// `template` with each placeholder replaced in one pass (a value is never scanned again, so an
    /// oracle command's own `{input}` and `{output}` survive inside `{oracle}`).
    static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = "", rest = Substring(template)
        outer: while let c = rest.first {
            if c == "{" {
                for (key, value) in values where rest.hasPrefix(key) {
                    out += value
                    rest = rest.dropFirst(key.count)
                    continue outer
                }
            }
            out.append(c)
            rest = rest.dropFirst()
        }
        return out
    }

    /// Reads and checks a shard (or, `shard` nil, the merged result) against the batch.
    private func readValidated(_ path: String, shard k: Int?, points: OraclePoints, inputHash: String) throws -> OracleResult {
        let c = try OracleScanFile.read(path)
        let a = c.attributes
        guard a["format"] == OracleScanFile.formatTag else { throw PDFEmuError(file: path, "not a pdfemu chi2 output") }
        guard a["input_hash"] == inputHash else {
            throw PDFEmuError(file: path, "from another batch or run (input_hash \(a["input_hash"] ?? "none") is not this points.h5's)")
        }
        guard a["oracle"] == settings.innerOracle else {
            throw PDFEmuError(file: path, "evaluated by oracle \(a["oracle"] ?? "?"), not \(settings.innerOracle)")
        }
        let n = min(settings.tasks, points.count)
        var rows = 0..<points.count
        if let k {
            guard a["shard_index"] == String(k), a["shard_count"] == String(n) else {
                throw PDFEmuError(file: path, "is shard \(a["shard_index"] ?? "?")/\(a["shard_count"] ?? "?"), expected \(k)/\(n)")
            }
            rows = OracleScanFile.rows(of: ShardSpec(index: k, count: n), count: points.count)
        }
        guard c.points == points.rows(rows), c.result.count == rows.count else {
            throw PDFEmuError(file: path, "its points are not rows \(rows.lowerBound)..<\(rows.upperBound) of the batch")
        }
        return c.result
    }

    /// `task J_k ended STATE; ` for the last array job in `jobs.tsv` that ran shard `k`, when the scheduler
    /// still knows how it ended (Slurm: `TIMEOUT` for a task past its time limit); empty otherwise.
    private func taskEnd(dir: String, shard k: Int) -> String {
        let lines = ((try? String(contentsOfFile: dir + "/jobs.tsv", encoding: .utf8)) ?? "").split(separator: "\n")
        guard let job = lines.reversed().compactMap({ line -> String? in
            let f = line.split(separator: "\t")
            return f.count >= 2 && SlurmScheduler.indices(String(f[1])).contains(k) ? String(f[0]) : nil
        }).first, let state = scheduler.endState(job: job, index: k) else { return "" }
        return "task \(job)_\(k) ended \(state); "
    }

    /// The last line of the newest log of shard `k` (`logs/JOB_k.out`), or a note that there is none.
    private func lastLogLine(dir: String, shard k: Int) -> String {
        let logs = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/logs")) ?? []
        // JOB_k.out, newest job last: Slurm's numeric ids, the local scheduler's local-SEQ (by its number)
        func job(_ name: String) -> Int {
            let j = name.split(separator: "_").first.map(String.init) ?? ""
            return Int(String(j.reversed().prefix(while: \.isNumber).reversed())) ?? 0
        }
        let mine = logs.filter { $0.hasSuffix("_\(k).out") }.sorted { job($0) < job($1) }
        guard let last = mine.last else { return "no task log: cancelled before it started?" }
        return "logs/\(last): " + (ShellCommand.lastLine(of: dir + "/logs/" + last) ?? "empty")
    }

    /// Exit-and-resume: submits (once per batch) a job that runs `command` after the batch's arrays.
    private func submitResume(_ command: String, dir: String, id: String, jobName: String) throws {
        let jobs = ((try? String(contentsOfFile: dir + "/jobs.tsv", encoding: .utf8)) ?? "")
            .split(separator: "\n").compactMap { $0.split(separator: "\t").first.map(String.init) }
        let resumeName = "pdfemu-resume-" + id.prefix(16)
        // Another resume job of this batch queued (not this very job, when the resume job itself submits again).
        let me = ProcessInfo.processInfo.environment["SLURM_JOB_NAME"]
        if me != resumeName, !(try scheduler.activeTasks(jobName: resumeName)).isEmpty {
            record.setSubmitted("the resume job \(resumeName) is already queued; nothing submitted")
            return
        }
        let job = try scheduler.submitAfter(jobs.suffix(8), command: command, jobName: resumeName, directory: dir,
                                            logDirectory: dir + "/logs")
        try appendLine(dir + "/resume.tsv", "\(job)\t\(ISO8601DateFormatter().string(from: Date()))\t\(command)")
        record.setSubmitted("array job(s) \(jobs.suffix(8).joined(separator: ",")) evaluate the batch in \(dir); "
                            + "job \(job) runs '\(command)' after them")
    }

    /// An exclusive lock on `path` (created), held until the descriptor is closed (or the process dies).
    static func lock(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw PDFEmuError(file: path, "cannot open: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw PDFEmuError(file: path, "another pdfemu is driving this batch")
        }
        return fd
    }

    private func appendLine(_ path: String, _ line: String, header: String? = nil) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw PDFEmuError(file: path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var text = line + "\n"
        if let header, lseek(fd, 0, SEEK_END) == 0 { text = header + "\n" + text }
        let bytes = Array(text.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
            throw PDFEmuError(file: path, "cannot write: \(String(cString: strerror(errno)))")
        }
    }
}
