import Foundation
import PDFEmuCore

/// Writes an output file through a temporary file in the same directory, renamed over the target only
/// when writing succeeded: a failure never leaves a partial file and never replaces a good one.
/// A target that is a symlink is written through (the link stays, its target is replaced); an existing
/// target keeps its permission bits; temporaries of the same target left by a killed run are removed.
package enum AtomicOutput {
    /// Checks that `path` is not empty, that its directory exists and is writable and that `path` is
    /// not a directory; throws one line naming it otherwise.
    package static func validateWritable(_ path: String) throws(PDFEmuError) {
        guard !path.isEmpty else { throw PDFEmuError(file: "", "output file name is empty") }
        let target = resolvingLinks(path)
        let url = URL(fileURLWithPath: target)
        let dir = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw PDFEmuError(file: path, "output directory \(dir) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: dir) else {
            throw PDFEmuError(file: path, "output directory \(dir) is not writable")
        }
        if FileManager.default.fileExists(atPath: target, isDirectory: &isDir), isDir.boolValue {
            throw PDFEmuError(file: path, "is a directory")
        }
        if url.lastPathComponent.utf8.count > 240 {
            throw PDFEmuError(file: "\(String(path.prefix(80)))…", "file name is too long (\(url.lastPathComponent.utf8.count) bytes)")
        }
    }

    /// The check every command makes before it reads anything: `path` can be written
    /// (`validateWritable`) and is none of `inputs` (`FileIdentity.refuseOverwrite`: each a label such as
    /// "--emulator" and a path, including files named inside other values). Throws one line.
    package static func validateOutput(_ path: String, protecting inputs: [(label: String, path: String)]) throws(PDFEmuError) {
        try validateWritable(path)
        try FileIdentity.refuseOverwrite(output: path, inputs: inputs)
    }

    /// `path` with symlinks in its last component followed (up to 40 links; a dangling link gives
    /// the path it points to, so writing creates the link's target).
    package static func resolvingLinks(_ path: String) -> String {
        var p = path
        for _ in 0..<40 {
            var st = stat()
            guard lstat(p, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK else { return p }
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(p, &buf, buf.count - 1)
            guard n > 0 else { return p }
            let dest = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            p = dest.hasPrefix("/") ? dest : URL(fileURLWithPath: p).deletingLastPathComponent().appendingPathComponent(dest).path
        }
        return p
    }

    /// Calls `body` with a temporary path beside `path`, then renames it to `path`. On any error the
    /// temporary file is removed and the error rethrown; `path` is untouched.
    package static func write<R>(to path: String, _ body: (String) throws -> R) throws -> R {
        try validateWritable(path)
        let target = resolvingLinks(path)
        let url = URL(fileURLWithPath: target)
        let prefix = ".\(url.lastPathComponent).tmp-"
        removeStaleTemporaries(in: url.deletingLastPathComponent().path, prefix: prefix)
        let tmp = url.deletingLastPathComponent()
            .appendingPathComponent("\(prefix)\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        do {
            let r = try body(tmp)
            var st = stat()
            if stat(target, &st) == 0 { _ = chmod(tmp, st.st_mode & 0o7777) }
            guard rename(tmp, target) == 0 else {
                throw PDFEmuError(file: path, "cannot rename temporary file into place: \(String(cString: strerror(errno)))")
            }
            return r
        } catch {
            unlink(tmp)
            throw error
        }
    }

    /// Removes `prefix`PID-… files in `dir` whose writing process no longer runs (left by a run that
    /// was killed with SIGKILL, which no cleanup can catch).
    static func removeStaleTemporaries(in dir: String, prefix: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count).prefix { $0 != "-" }), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(dir + "/" + name) }
        }
    }

    /// Writes `data` to `path` atomically.
    package static func write(_ data: Data, to path: String) throws {
        try write(to: path) { tmp in
            guard FileManager.default.createFile(atPath: tmp, contents: data) else {
                throw PDFEmuError(file: path, "cannot write")
            }
        }
    }
}
