import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis

/// An external χ² program run once per batch of points: `--oracle 'COMMAND {input} {output}'`.
///
/// For each call pdfemu creates a private temporary directory (mode 0700, under `$TMPDIR`), writes the
/// points there as `input.h5` (`OracleFiles`), substitutes the shell-quoted paths of `input.h5` and
/// `output.h5` for `{input}` and `{output}` in the template, and runs the result with `/bin/sh -c` in
/// its own process group, in the current directory, with stdin from /dev/null. The command must exit
/// with status 0 after writing the output file; pdfemu then reads and checks it and removes the
/// directory. A non-zero status, a signal, a timeout (the process group is killed: SIGTERM, SIGKILL
/// 2 s later), a missing or malformed output file each give one `OracleError`; the command's last
/// stderr line is quoted in the message.
public struct CommandOracle: ChiSquareOracle {
    /// The command template, holding `{input}` and `{output}` (unquoted: pdfemu quotes the paths).
    public let template: String
    /// Seconds one call may take before its process group is killed (nil: no limit).
    public var timeout: Double?
    /// Polled while the command runs; returning true kills it (error kind `.interrupted`).
    package var shouldStop: @Sendable () -> Bool

    /// Checks the template: it must hold `{input}` and `{output}`, unquoted.
    public init(_ template: String, timeout: Double? = 3600, shouldStop: @escaping @Sendable () -> Bool = { false }) throws(OracleError) {
        let label = CommandOracle.label(template)
        guard !template.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw OracleError(.spec, oracle: label, "the command is empty")
        }
        for placeholder in ["{input}", "{output}"] {
            guard template.contains(placeholder) else {
                throw OracleError(.spec, oracle: label, "the command must contain \(placeholder) (where pdfemu puts the \(placeholder.dropFirst().dropLast()) file's path)")
            }
            for q in ["'", "\""] where template.contains(q + placeholder + q) {
                throw OracleError(.spec, oracle: label, "write \(placeholder) without quotes: pdfemu quotes the path itself")
            }
        }
        if let timeout, !(timeout > 0) { throw OracleError(.spec, oracle: label, "timeout must be > 0 seconds (got \(timeout))") }
        self.template = template
        self.timeout = timeout
        self.shouldStop = shouldStop
    }

    public var label: String { Self.label(template) }
    static func label(_ template: String) -> String { "'\(template)'" }

    /// A command takes whatever parameters it is given.
    public var parameterNames: [String]? { nil }

    /// The command line for the given input and output paths.
    package func commandLine(input: String, output: String) -> String {
        template.replacingOccurrences(of: "{input}", with: ShellCommand.quote(input))
            .replacingOccurrences(of: "{output}", with: ShellCommand.quote(output))
    }

    /// How many command calls are under way in this process (from creating the temporary directory to
    /// removing it): a signal handler that finds none may exit at once, as nothing is left to clean up.
    package static let callsUnderWay = CallCounter()

    /// A count shared between threads.
    package final class CallCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        /// The current count.
        package var value: Int { lock.lock(); defer { lock.unlock() }; return count }
        func add(_ d: Int) { lock.lock(); count += d; lock.unlock() }
    }

    public func evaluate(_ points: OraclePoints) throws(OracleError) -> OracleResult {
        Self.callsUnderWay.add(1)
        defer { Self.callsUnderWay.add(-1) }
        let dir = try OracleError.wrapping(.start, oracle: label) { try Self.privateDirectory() }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/input.h5", output = dir + "/output.h5"
        try OracleError.wrapping(.io, oracle: label) { try OracleFiles.writeInput(points, to: input) }
        let shell = ShellCommand(command: commandLine(input: input, output: output), timeout: timeout,
                                 stdoutPath: dir + "/stdout.log", stderrPath: dir + "/stderr.log", shouldStop: shouldStop)
        let end: ShellCommand.Termination
        do { end = try shell.run() } catch { throw error.from(label) }
        let said = ShellCommand.lastLine(of: dir + "/stderr.log").map { "; its last stderr line: \($0)" } ?? " (no stderr output)"
        switch end {
        case .exited(0): break
        case .exited(let status) where status > 128 && status - 128 < 32:
            // The shell reports a command killed by signal s as status 128 + s.
            throw OracleError(.signal, oracle: label, "killed by signal \(status - 128) (\(String(cString: strsignal(status - 128))); "
                              + "shell exit status \(status))" + said)
        case .exited(let status):
            throw OracleError(.exitStatus, oracle: label, "exited with status \(status)" + said)
        case .signalled(let sig):
            throw OracleError(.signal, oracle: label, "killed by signal \(sig) (\(String(cString: strsignal(sig))))" + said)
        case .timedOut:
            throw OracleError(.timeout, oracle: label, "still running after the timeout of \(Fmt.num(timeout ?? 0, width: 0)) s; killed"
                              + " (\(points.count) points; raise the timeout or use smaller chunks)")
        case .interrupted:
            throw OracleError(.interrupted, oracle: label, "interrupted; the command was killed")
        }
        switch Self.fileKind(output) {
        case nil:
            throw OracleError(.noOutput, oracle: label, "exited with status 0 but wrote no output file ({output})" + said)
        case "regular file"?: break
        case let kind?:
            // Opening a FIFO or a device could block for ever: only a regular file is read.
            throw OracleError(.unreadableOutput, oracle: label, "exited with status 0 but its output ({output}) is a \(kind), "
                              + "not a regular file" + said)
        }
        do { return try OracleFiles.readOutput(output, for: points) } catch { throw error.from(label) }
    }

    /// What is at `path` after following symlinks: "regular file", "FIFO", "character device", "block
    /// device", "socket", "directory", "symbolic link" (dangling), or nil if nothing is there. The file
    /// is opened without blocking (O_NONBLOCK) and examined with fstat, so a FIFO never blocks the caller.
    static func fileKind(_ path: String) -> String? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        if (st.st_mode & S_IFMT) == S_IFLNK {
            guard stat(path, &st) == 0 else { return "symbolic link" }
        }
        if (st.st_mode & S_IFMT) == S_IFREG {
            let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
            guard fd >= 0 else { return "regular file" }   // unreadable: the HDF5 reader names the error
            defer { close(fd) }
            guard fstat(fd, &st) == 0 else { return "regular file" }
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return "regular file"
        case S_IFIFO: return "FIFO"
        case S_IFCHR: return "character device"
        case S_IFBLK: return "block device"
        case S_IFSOCK: return "socket"
        case S_IFDIR: return "directory"
        default: return "special file"
        }
    }

    /// A new directory only this user can enter, under `$TMPDIR` (or /tmp).
    static func privateDirectory() throws -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base.hasSuffix("/") ? base : base + "/").utf8CString.dropLast()) + Array("pdfemu-oracle-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else {
            throw PDFEmuError(file: base, "cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        return String(cString: p)
    }
}
