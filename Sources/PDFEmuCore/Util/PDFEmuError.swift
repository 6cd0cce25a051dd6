import Foundation
/// A user-facing failure: one line naming the file, dataset or key at fault.
public struct PDFEmuError: Error, CustomStringConvertible, Sendable {
    /// The one-line message.
    public var message: String
    /// Creates an error with a one-line message.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The one line to show a user for any error pdfemu throws.
public func userMessage(_ error: any Error) -> String {
    switch error {
    case let e as PDFEmuError: return e.message
    case let e as BLASError: return e.message
    case let e as CocoaError:
        // A file operation: the path and the system's reason, not the NSError dump.
        let path = e.filePath ?? e.url?.path
        var why = e.localizedDescription
        if let u = e.underlying as? POSIXError { why = String(cString: strerror(u.code.rawValue)) }
        else if let u = e.underlying as NSError?, u.domain == NSPOSIXErrorDomain { why = String(cString: strerror(Int32(u.code))) }
        return (path.map { "\($0): " } ?? "") + why.replacingOccurrences(of: "\n", with: " ")
    default: return String(describing: error)
    }
}
