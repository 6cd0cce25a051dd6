import Foundation

/// Writes an output file through a temporary file in the same directory, renamed over the target only
/// when writing succeeded: a failure never leaves a partial file and never replaces a good one.
public enum AtomicOutput {
    /// Checks that `path`'s directory exists and is writable; throws one line naming it otherwise.
    public static func checkWritable(_ path: String) throws(PDFEmuError) {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw PDFEmuError("\(path): output directory \(dir) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: dir) else {
            throw PDFEmuError("\(path): output directory \(dir) is not writable")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw PDFEmuError("\(path): is a directory")
        }
    }

    /// Throws one line if `output` is the same file as one of `inputs` (same path after resolving
    /// symbolic links, or the same device and inode): writing it would destroy an input.
    public static func checkDistinct(output: String, inputs: [String]) throws(PDFEmuError) {
        func canonical(_ p: String) -> String { URL(fileURLWithPath: p).resolvingSymlinksInPath().standardizedFileURL.path }
        var so = stat()
        let outExists = stat(output, &so) == 0
        for input in inputs {
            var si = stat()
            let same = canonical(input) == canonical(output)
                || (outExists && stat(input, &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
            if same { throw PDFEmuError("\(output): is the same file as the input \(input); choose another output") }
        }
    }

    /// Calls `body` with a temporary path beside `path`, then renames it to `path`. On any error the
    /// temporary file is removed and the error rethrown; `path` is untouched.
    public static func write<R>(to path: String, _ body: (String) throws -> R) throws -> R {
        try checkWritable(path)
        let url = URL(fileURLWithPath: path)
        let tmp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        do {
            let r = try body(tmp)
            guard rename(tmp, path) == 0 else {
                throw PDFEmuError("\(path): cannot rename temporary file into place: \(String(cString: strerror(errno)))")
            }
            return r
        } catch {
            unlink(tmp)
            throw error
        }
    }

    /// Writes `data` to `path` atomically.
    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { tmp in
            guard FileManager.default.createFile(atPath: tmp, contents: data) else {
                throw PDFEmuError("\(path): cannot write")
            }
        }
    }
}
