import Foundation

/// Whether two paths name the same file on disk: same device and inode (symbolic links followed), so
/// `./a.h5`, `dir/../a.h5`, a hard link and a symlink to it all count as the same file.
public enum FileIdentity {
    /// Device and inode of an existing path; nil if it does not exist.
    public static func of(_ path: String) -> (device: UInt64, inode: UInt64)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (UInt64(st.st_dev), UInt64(st.st_ino))
    }

    /// True if both paths exist and are the same file.
    public static func same(_ a: String, _ b: String) -> Bool {
        guard let x = of(a), let y = of(b) else { return false }
        return x == y
    }

    /// Throws "OUTPUT: is the same file as INPUT (…)" if writing `output` would replace `input`.
    public static func refuseOverwrite(output: String, input: String, what: String = "the input") throws {
        if same(output, input) {
            throw PDFEmuError("\(output): is the same file as \(what) \(input); write the output elsewhere")
        }
    }
}
