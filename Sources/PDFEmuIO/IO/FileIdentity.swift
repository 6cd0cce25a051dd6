import Foundation
import PDFEmuCore

/// The identity of a file on disk (device and inode, after following symlinks): two spellings of one
/// file ("scan.h5", "./scan.h5", "../d/scan.h5", a symlink to it, a hard link) have the same identity.
package struct FileIdentity: Hashable, Sendable {
    /// Device number.
    package var device: UInt64
    /// Inode number.
    package var inode: UInt64

    /// The identity of the file at `path`, or nil if nothing is there (or it cannot be examined).
    package init?(_ path: String) {
        guard !path.isEmpty else { return nil }
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }

    /// Throws one line if `output` is the same file as any of `inputs` (each a label such as
    /// "--emulator" and a path). An `output` that does not exist yet cannot be an input.
    package static func refuseOverwrite(output: String, inputs: [(label: String, path: String)]) throws(PDFEmuError) {
        guard let out = FileIdentity(output) else { return }
        for input in inputs where FileIdentity(input.path) == out {
            let spelling = input.path == output ? "" : " (\(input.path))"
            throw PDFEmuError(file: output, "output would overwrite the input \(input.label)\(spelling); choose another output file")
        }
    }

    /// Throws one line if two of `paths` are the same file; `what` names the list ("data.files").
    package static func refuseRepeats(_ paths: [String], what: String) throws(PDFEmuError) {
        var seen: [FileIdentity: String] = [:]
        for p in paths {
            guard let id = FileIdentity(p) else { continue }
            if let first = seen[id] {
                throw PDFEmuError(.input(what), "\(p) is the same file as \(first), listed twice")
            }
            seen[id] = p
        }
    }
}
