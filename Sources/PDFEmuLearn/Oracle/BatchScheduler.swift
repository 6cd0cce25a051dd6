import Foundation
import PDFEmuCore
import PDFEmuIO
#if canImport(Glibc)
import Glibc
#endif

/// A batch system that runs array jobs: submit an array of task indices, ask which of them are still
/// queued or running, submit a job that waits for others (docs/CLUSTER.md).
///
/// Every task of every array one batch submits carries the same job name, so the tasks still active
/// are found by name even when the job id was never recorded (a driver killed right after submitting).
package protocol BatchScheduler: Sendable {
    /// The scheduler's name for messages (e.g. `slurm`).
    var name: String { get }
    /// Submits an array job named `jobName` whose tasks run `script` with the task index as `$1`
    /// (and in the scheduler's own variable), one per index in `indices`, in `directory`; each task's
    /// stdout and stderr go to `logDirectory/JOBID_INDEX.out`. Returns the job id.
    func submitArray(script: String, indices: [Int], jobName: String, directory: String,
                     logDirectory: String) throws(OracleError) -> String
    /// The task indices of the jobs named `jobName` that are pending, running, completing or
    /// suspended (the ones whose shard may still land).
    func activeTasks(jobName: String) throws(OracleError) -> Set<Int>
    /// Submits a one-task job named `jobName` running `command` (with `/bin/sh -c`) once every job in
    /// `jobs` has ended, whatever its state. Returns the job id.
    func submitAfter(_ jobs: [String], command: String, jobName: String, directory: String,
                     logDirectory: String) throws(OracleError) -> String
    /// How task `index` of array job `job` ended in the scheduler's words (e.g. `TIMEOUT`, `CANCELLED`,
    /// `FAILED`, `COMPLETED`), or nil when the scheduler no longer knows (or cannot say).
    func endState(job: String, index: Int) -> String?
}

extension BatchScheduler {
    /// Default: the scheduler cannot say.
    package func endState(job: String, index: Int) -> String? { nil }
}

/// Slurm settings of an array job: the programs pdfemu calls and what it adds to every submission.
package struct SlurmSettings: Sendable, Equatable, Codable {
    /// The submit program (`sbatch`, a name on PATH or a path).
    package var submitCommand: String
    /// The queue program (`squeue`).
    package var queueCommand: String
    /// Partition (`-p`); nil: the cluster's default.
    package var partition: String?
    /// Time limit of each task in Slurm's format (`MM`, `MM:SS`, `HH:MM:SS`, `D-HH`); nil: the
    /// partition's default. A task past it is ended by Slurm and its shard submitted again.
    package var timeLimit: String?
    /// Further `sbatch` arguments, one per element (e.g. `--mem=2G`, `--account=fit`).
    package var extraArguments: [String]
    /// Seconds between two queue queries while tasks are active (> 0).
    package var pollInterval: Double

    /// Creates the settings; defaults: `sbatch`, `squeue`, no partition or time limit, no extra arguments,
    /// a queue query every 0.2 s.
    package init(submitCommand: String = "sbatch", queueCommand: String = "squeue", partition: String? = nil,
                timeLimit: String? = nil, extraArguments: [String] = [], pollInterval: Double = 0.2) {
        self.submitCommand = submitCommand; self.queueCommand = queueCommand; self.partition = partition
        self.timeLimit = timeLimit; self.extraArguments = extraArguments; self.pollInterval = pollInterval
    }
}

/// Slurm through its client programs (`sbatch --parsable`, `squeue -r`); needs no accounting storage.
package struct SlurmScheduler: BatchScheduler {
    /// What every submission gets.
    package var settings: SlurmSettings

    /// Creates the scheduler.
    package init(settings: SlurmSettings = SlurmSettings()) { self.settings = settings }

    package var name: String { "slurm" }

    /// The array list Slurm takes: `0-3,5,7-8`.
    package static func arrayList(_ indices: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        let s = indices.sorted()
        while i < s.count {
            var j = i
            while j + 1 < s.count && s[j + 1] == s[j] + 1 { j += 1 }
            parts.append(i == j ? "\(s[i])" : "\(s[i])-\(s[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    func common(jobName: String, directory: String, log: String) -> [String] {
        var a = ["--parsable", "--job-name=\(jobName)", "--chdir=\(directory)", "--output=\(log)", "--error=\(log)"]
        if let p = settings.partition { a.append("--partition=\(p)") }
        if let t = settings.timeLimit { a.append("--time=\(t)") }
        return a + settings.extraArguments
    }

    package func submitArray(script: String, indices: [Int], jobName: String, directory: String,
                            logDirectory: String) throws(OracleError) -> String {
        let args = common(jobName: jobName, directory: directory, log: logDirectory + "/%A_%a.out")
            + ["--array=\(Self.arrayList(indices))", script]
        return try jobID(BatchProcess.run(settings.submitCommand, args))
    }

    package func submitAfter(_ jobs: [String], command: String, jobName: String, directory: String,
                            logDirectory: String) throws(OracleError) -> String {
        let args = common(jobName: jobName, directory: directory, log: logDirectory + "/%j.out")
            + ["--dependency=afterany:" + jobs.joined(separator: ":"), "--wrap=\(command)"]
        return try jobID(BatchProcess.run(settings.submitCommand, args))
    }

    private func jobID(_ r: BatchProcess.Output) throws(OracleError) -> String {
        guard r.status == 0 else {
            throw OracleError(.start, oracle: "slurm", "\(settings.submitCommand) exited with status \(r.status): \(r.lastErrorLine)")
        }
        // --parsable prints "JOBID" or "JOBID;CLUSTER".
        let id = r.stdout.split(separator: "\n").last.map { String($0.split(separator: ";").first ?? "") } ?? ""
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw OracleError(.start, oracle: "slurm", "\(settings.submitCommand) printed no job id (stdout: \(r.stdout.prefix(200)))")
        }
        return id
    }

    package func activeTasks(jobName: String) throws(OracleError) -> Set<Int> {
        let r = try BatchProcess.run(settings.queueCommand, ["-h", "-r", "--name=\(jobName)", "-t", "PD,R,CG,CF,S,RQ,RS,SO", "-o", "%K"])
        guard r.status == 0 else {
            throw OracleError(.start, oracle: "slurm", "\(settings.queueCommand) exited with status \(r.status): \(r.lastErrorLine)")
        }
        var active = Set<Int>()
        // One index per line; a pending array not yet split may show its list (`0-3`, `1,3`, `0-3%2`).
        for line in r.stdout.split(separator: "\n") { active.formUnion(Self.indices(line.trimmingCharacters(in: .whitespaces))) }
        return active
    }

    /// `squeue -h -t all -j JOB_INDEX -o %T`: Slurm keeps an ended task visible for `MinJobAge` seconds
    /// (default 300) without accounting storage; nil once it has forgotten it or squeue fails.
    package func endState(job: String, index: Int) -> String? {
        guard let r = try? BatchProcess.run(settings.queueCommand, ["-h", "-t", "all", "-j", "\(job)_\(index)", "-o", "%T"]),
              r.status == 0 else { return nil }
        let state = r.stdout.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return state.isEmpty ? nil : state
    }

    /// The indices of an array list (`0-2,5`, `[0-3%2]`); malformed parts are skipped.
    package static func indices(_ list: String) -> Set<Int> {
        var out = Set<Int>()
        let t = list.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
        for part in t.split(separator: "%").first?.split(separator: ",") ?? [] {
            let b = part.split(separator: "-").compactMap { Int($0) }
            if b.count == 2, b[0] <= b[1] { out.formUnion(b[0]...b[1]) } else if b.count == 1 { out.insert(b[0]) }
        }
        return out
    }
}

/// Runs a scheduler client program (found on PATH) and captures what it prints.
enum BatchProcess {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        var lastErrorLine: String {
            stderr.split(separator: "\n").last.map(String.init) ?? "(no error output)"
        }
    }

    static func run(_ program: String, _ arguments: [String]) throws(OracleError) -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [program] + arguments
        // stderr to an unlinked temporary file, stdout through a pipe: neither can block the program.
        var template = Array("/tmp/pdfemu-batch-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw OracleError(.start, oracle: program, "cannot create a temporary file: \(String(cString: strerror(errno)))") }
        unlink(String(cString: template))
        let errFile = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = errFile
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch {
            throw OracleError(.start, oracle: program, "cannot start \(program): \(userMessage(error))")
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        lseek(fd, 0, SEEK_SET)
        let errData = errFile.readDataToEndOfFile()
        if p.terminationReason == .uncaughtSignal {
            throw OracleError(.signal, oracle: program, "\(program) killed by signal \(p.terminationStatus)")
        }
        // env exits 127 when the program is not found.
        if p.terminationStatus == 127 {
            throw OracleError(.start, oracle: program, "\(program): not found on PATH")
        }
        return Output(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Runs each array task at once as a process on this machine (`/bin/sh SCRIPT k`, stdout and stderr to
/// `logDirectory/local-SEQ_k.out`): the batch-system mode without a batch system, for trying a setup.
///
/// It knows only the tasks it started itself: a driver killed while they run leaves them running, and a
/// new driver does not wait for them (it may evaluate their shards again). Use a real scheduler for that.
package final class LocalScheduler: BatchScheduler, @unchecked Sendable {
    private let lock = NSLock()
    private var running: [String: [(job: String, index: Int, process: Process)]] = [:]
    private var ended: [String: String] = [:]   // "JOB_k" → how the task ended
    private var sequence = 0

    /// Creates a scheduler with no task running.
    package init() {}

    package var name: String { "local" }

    package func submitArray(script: String, indices: [Int], jobName: String, directory: String,
                            logDirectory: String) throws(OracleError) -> String {
        lock.lock(); sequence += 1; let job = "local-\(sequence)"; lock.unlock()
        for k in indices {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = [script, String(k)]
            p.currentDirectoryURL = URL(fileURLWithPath: directory)
            let log = logDirectory + "/\(job)_\(k).out"
            guard FileManager.default.createFile(atPath: log, contents: nil), let h = FileHandle(forWritingAtPath: log) else {
                throw OracleError(.start, oracle: "local", "\(log): cannot create")
            }
            p.standardOutput = h
            p.standardError = h
            p.standardInput = FileHandle.nullDevice
            do { try p.run() } catch { throw OracleError(.start, oracle: "local", "cannot start \(script): \(userMessage(error))") }
            lock.lock(); running[jobName, default: []].append((job, k, p)); lock.unlock()
        }
        return job
    }

    package func activeTasks(jobName: String) throws(OracleError) -> Set<Int> {
        lock.lock(); defer { lock.unlock() }
        var tasks: [(job: String, index: Int, process: Process)] = []
        for t in running[jobName] ?? [] {
            if t.process.isRunning { tasks.append(t); continue }
            let status = t.process.terminationStatus
            ended["\(t.job)_\(t.index)"] = t.process.terminationReason == .uncaughtSignal ? "KILLED (signal \(status))"
                : status == 0 ? "COMPLETED" : "FAILED (exit status \(status))"
        }
        running[jobName] = tasks
        return Set(tasks.map(\.index))
    }

    /// `COMPLETED`, `FAILED (exit status S)` or `KILLED (signal S)` for a task this scheduler started and
    /// saw end; nil otherwise.
    package func endState(job: String, index: Int) -> String? {
        lock.lock(); defer { lock.unlock() }
        return ended["\(job)_\(index)"]
    }

    package func submitAfter(_ jobs: [String], command: String, jobName: String, directory: String,
                            logDirectory: String) throws(OracleError) -> String {
        throw OracleError(.spec, oracle: "local", "the local scheduler cannot run a job after others (exit-and-resume needs a batch system)")
    }
}
