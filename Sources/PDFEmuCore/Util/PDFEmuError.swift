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
    default: return String(describing: error)
    }
}
