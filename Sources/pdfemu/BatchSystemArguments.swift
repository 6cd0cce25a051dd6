import ArgumentParser
import Foundation
import PDFEmu

/// `--scheduler slurm …`: run every oracle batch as an array job (docs/CLUSTER.md).
struct BatchSystemArguments: ParsableArguments {
    @Option(help: "Evaluate each oracle batch as an array job of this batch system: slurm, or local (the tasks as processes on this machine); task k runs `pdfemu chi2 --oracle ORACLE --shard k/N` (docs/CLUSTER.md).")
    var scheduler: String?
    @Option(help: "With --scheduler: array tasks per batch.") var tasks = 4
    @Option(help: "With --scheduler: directory on disk the compute nodes share, one batch-ID directory per batch (default: STATE/batches for learn, OUTPUT.batches for chi2).")
    var workDir: String?
    @Option(help: "With --scheduler: partition of the array jobs.") var partition: String?
    @Option(help: "With --scheduler: time limit of each task (Slurm format: MM, MM:SS, HH:MM:SS, D-HH); a task past it is submitted again.")
    var timeLimit: String?
    @Option(help: "With --scheduler: further sbatch arguments, separated by spaces (e.g. '--mem=2G --account=fit').")
    var sbatchOptions: String?
    @Option(help: "With --scheduler: times a shard whose task failed, was cancelled, timed out or wrote a damaged shard is submitted again.")
    var retries = 2
    @Option(help: "With --scheduler: seconds between two squeue queries while tasks run.") var pollInterval = 0.2
    @Flag(help: "With --scheduler slurm: do not wait: submit the batch's array and a job that runs this same command again (learn: with --resume) once the array has ended, print what was submitted and exit with status 75.")
    var submitAndExit = false

    /// True when batches go to a batch system.
    var enabled: Bool { scheduler != nil }

    /// Throws one line for an option out of range or given without --scheduler.
    func validateSettings() throws {
        guard let scheduler else {
            if workDir != nil || partition != nil || timeLimit != nil || sbatchOptions != nil || submitAndExit {
                throw PDFEmuError(usage: "--work-dir, --partition, --time-limit, --sbatch-options and --submit-and-exit need --scheduler slurm")
            }
            return
        }
        guard scheduler == "slurm" || scheduler == "local" else {
            throw PDFEmuError(flag: "--scheduler", "unknown batch system '\(scheduler)' (known: slurm, local; HTCondor: see docs/CLUSTER.md)")
        }
        if scheduler == "local" && (partition != nil || timeLimit != nil || sbatchOptions != nil || submitAndExit) {
            throw PDFEmuError(usage: "--partition, --time-limit, --sbatch-options and --submit-and-exit need --scheduler slurm")
        }
        if tasks < 1 { throw PDFEmuError(usage: "--tasks must be ≥ 1 (got \(tasks))") }
        if retries < 0 { throw PDFEmuError(usage: "--retries must be ≥ 0 (got \(retries))") }
        if !(pollInterval > 0) { throw PDFEmuError(usage: "--poll-interval must be > 0 seconds (got \(pollInterval))") }
    }

    /// The array-job oracle evaluating with `inner` (an oracle spec text) in `defaultWorkDir` unless
    /// --work-dir is given; `runID` keys the batches to the calling run.
    /// `resumeFlag`: what the command run after the array adds to this command line (learn: --resume).
    func oracle(inner: String, innerTimeout: Double?, defaultWorkDir: String, runID: String, resumeFlag: String? = nil,
                log: @escaping @Sendable (String) -> Void) throws -> ArrayJobOracle {
        try validateSettings()
        let cwd = FileManager.default.currentDirectoryPath
        func absolute(_ p: String) -> String { p.hasPrefix("/") ? p : cwd + "/" + p }
        let work = absolute(workDir ?? defaultWorkDir)
        // The task runs this very pdfemu, from the driver's directory (relative paths in ORACLE keep working).
        // (a rebuilt executable shows as "PATH (deleted)": the tasks take the new one at PATH)
        var exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? absolute(CommandLine.arguments[0])
        if exe.hasSuffix(" (deleted)") { exe.removeLast(" (deleted)".count) }
        var task = "cd \(shellQuote(cwd)) && \(shellQuote(exe)) chi2 --oracle {oracle}"
        if let innerTimeout { task += " --timeout \(innerTimeout)" }
        task += " --input {input} --shard {shard} --output {output} --quiet"
        let slurm = SlurmSettings(partition: partition, timeLimit: timeLimit,
                                  extraArguments: (sbatchOptions ?? "").split(separator: " ").map(String.init),
                                  pollInterval: pollInterval)
        let settings = ArrayJobSettings(tasks: tasks, workDirectory: work, taskCommand: task, innerOracle: inner,
                                        runID: runID, maxRetries: retries, resumeCommand: submitAndExit ? resumeCommand(exe: exe, cwd: cwd, adding: resumeFlag) : nil)
        let batchSystem: any BatchScheduler = scheduler == "local" ? LocalScheduler() : SlurmScheduler(settings: slurm)
        return try ArrayJobOracle(settings: settings, scheduler: batchSystem, log: log)
    }
}

extension BatchSystemArguments {
    /// This very command line, run from `cwd` with `exe`, plus `flag` unless it is there already.
    func resumeCommand(exe: String, cwd: String, adding flag: String?) -> String {
        var args = Array(CommandLine.arguments.dropFirst())
        if let flag, !args.contains(flag) { args.append(flag) }
        return "cd \(shellQuote(cwd)) && " + ([exe] + args).map(shellQuote).joined(separator: " ")
    }
}

/// `s` quoted for /bin/sh.
func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
