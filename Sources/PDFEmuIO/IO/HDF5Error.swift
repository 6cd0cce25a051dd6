import CHDF5
import Foundation
import PDFEmuCore

/// An HDF5 operation failed. Names the file and the object path, with HDF5's own innermost messages.
package struct HDF5Error: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file the operation was on.
    package var file: String
    /// The object inside the file ("/chi2"), or "" for the file itself.
    package var object: String
    /// What went wrong.
    package var message: String

    /// Creates an error for `file` and `object`.
    package init(file: String, object: String, message: String) {
        self.file = file
        self.object = object
        self.message = message
    }

    package var description: String {
        object.isEmpty ? "\(file): \(message)" : "\(file): \(object): \(message)"
    }
}

/// The one funnel through which every HDF5 C call's status passes: negative ids/statuses become an
/// `HDF5Error` carrying HDF5's own error-stack text (HDF5's printing is silenced per thread).
enum H5 {
    /// Silences HDF5's automatic error printing on this thread.
    @inline(__always) static func silence() { pdfemu_h5_silence() }

    /// Throws if `status` is negative; returns it otherwise.
    @discardableResult
    static func check<T: BinaryInteger>(_ status: T, file: String, object: String,
                                        _ what: @autoclosure () -> String) throws(HDF5Error) -> T {
        if status >= 0 { return status }
        var buf = [CChar](repeating: 0, count: 512)
        pdfemu_h5_take_error(&buf, buf.count)
        // HDF5's descriptions may hold newlines (e.g. a ctime() timestamp): keep the error one line.
        let stack = String(cString: buf).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        let msg = stack.isEmpty ? what() : "\(what()) (\(stack))"
        throw HDF5Error(file: file, object: object, message: msg)
    }

    /// Clears this thread's error stack (after an expected failure, e.g. an existence probe).
    static func clearErrors() { H5Eclear2(pdfemu_H5E_DEFAULT()) }

    /// Number of HDF5 objects (files, groups, datasets, types, attributes) open in this process.
    static func openObjectCount() -> Int {
        Int(H5Fget_obj_count(hid_t(pdfemu_H5F_OBJ_ALL()), pdfemu_H5F_OBJ_ALL()))
    }
}

/// Number of HDF5 objects open in this process (for leak checks in tests).
package func hdf5OpenObjectCount() -> Int { H5.openObjectCount() }

/// The HDF5 library version, e.g. "1.10.8".
package func hdf5LibraryVersion() -> String {
    var maj: UInt32 = 0, min: UInt32 = 0, rel: UInt32 = 0
    H5get_libversion(&maj, &min, &rel)
    return "\(maj).\(min).\(rel)"
}
