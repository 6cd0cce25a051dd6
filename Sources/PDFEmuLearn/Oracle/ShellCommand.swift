import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
#if canImport(Glibc)
import Glibc
#endif

/// Runs one shell command (`/bin/sh -c`) in its own process group, with a timeout, and reports how it
/// ended. stdin is /dev/null; stdout and stderr go to files. On a timeout or a stop request the whole
/// process group gets SIGTERM, then SIGKILL after a grace period; when the shell exits, processes it
/// left behind in its group are killed too.
struct ShellCommand {
    /// How the command ended.
    enum Termination: Equatable {
        /// Exited with this status.
        case exited(Int32)
        /// Killed by this signal (not sent by us).
        case signalled(Int32)
        /// Ran past the timeout; killed.
        case timedOut
        /// `shouldStop` returned true; killed.
        case interrupted
    }

    /// The command line given to `/bin/sh -c`.
    var command: String
    /// Seconds before the process group is killed (nil: no limit).
    var timeout: Double?
    /// File receiving the command's stdout.
    var stdoutPath: String
    /// File receiving the command's stderr.
    var stderrPath: String
    /// Polled while the command runs; true kills it.
    var shouldStop: @Sendable () -> Bool = { false }
    /// Seconds between SIGTERM and SIGKILL.
    var grace: Double = 2

    /// Starts the command and waits for it. Throws (kind `.start`) only if it cannot be started.
    func run() throws(OracleError) -> Termination {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // Own process group (so the group can be killed), default dispositions for the signals pdfemu may
        // ignore or handle (ignored signals would be inherited through exec), and no blocked signals.
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attr, 0)
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGPIPE, SIGQUIT, SIGHUP, SIGCHLD] { sigaddset(&defaults, s) }
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setsigmask(&attr, &empty)

        var pid: pid_t = 0
        let args: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
        defer { args.forEach { free($0) } }
        let status = posix_spawn(&pid, "/bin/sh", &actions, &attr, args, environ)
        guard status == 0 else {
            throw OracleError(.start, "cannot start /bin/sh: \(String(cString: strerror(status)))")
        }

        let start = Date()
        var pause: useconds_t = 1_000
        while true {
            var raw: Int32 = 0
            let r = waitpid(pid, &raw, WNOHANG)
            if r == pid {
                kill(-pid, SIGKILL)  // anything the shell left running in its group
                let sig = raw & 0x7f
                return sig == 0 ? .exited((raw >> 8) & 0xff) : .signalled(sig)
            }
            if r < 0 && errno != EINTR {
                throw OracleError(.start, "cannot wait for the command: \(String(cString: strerror(errno)))")
            }
            if let timeout, Date().timeIntervalSince(start) > timeout {
                terminateGroup(pid)
                return .timedOut
            }
            if shouldStop() {
                terminateGroup(pid)
                return .interrupted
            }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
    }

    /// SIGTERM to the group, SIGKILL after the grace period, then reaps the shell.
    private func terminateGroup(_ pid: pid_t) {
        kill(-pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        var raw: Int32 = 0
        while Date() < deadline {
            if waitpid(pid, &raw, WNOHANG) == pid { kill(-pid, SIGKILL); return }
            usleep(10_000)
        }
        kill(-pid, SIGKILL)
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
    }

    /// `s` quoted for /bin/sh: single quotes, with embedded single quotes as '\''.
    static func quote(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The last non-empty line of a file (at most 300 characters, control characters escaped), or nil.
    /// Only a regular file is read (the command may have replaced it with a FIFO), and only its last 8 KiB.
    static func lastLine(of path: String) -> String? {
        guard CommandOracle.fileKind(path) == "regular file" else { return nil }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        let size = Int(st.st_size), want = min(size, 8192)
        var bytes = [UInt8](repeating: 0, count: want)
        let got = want == 0 ? 0 : pread(fd, &bytes, want, off_t(size - want))
        guard got > 0 else { return nil }
        let text = String(decoding: bytes[0..<got], as: UTF8.self)
        guard let line = text.split(whereSeparator: \.isNewline)
            .map({ escapingControls(String($0)).trimmingCharacters(in: .whitespaces) }).last(where: { !$0.isEmpty }) else { return nil }
        return line.count > 300 ? String(line.prefix(300)) + "…" : line
    }

    /// `s` with control characters shown as escapes (ESC as \e, NUL as \0, tab as \t, others as \xNN or
    /// \u{NNNN}), so that text from a command cannot move the cursor, ring the bell or break a line.
    static func escapingControls(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            guard u.properties.generalCategory == .control || u == "\u{2028}" || u == "\u{2029}" else { out.unicodeScalars.append(u); continue }
            switch u.value {
            case 0x1B: out += "\\e"
            case 0: out += "\\0"
            case 0x09: out += "\\t"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case ..<0x100: out += "\\x" + (u.value < 16 ? "0" : "") + String(u.value, radix: 16)
            default: out += "\\u{" + String(u.value, radix: 16) + "}"
            }
        }
        return out
    }
}
