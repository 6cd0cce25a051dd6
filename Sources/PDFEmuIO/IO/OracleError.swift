import PDFEmuCore
/// Why an oracle could not give χ² values: one line naming the oracle, and a kind to branch on.
///
/// Undefined points (NaN or infinite χ²) are *not* errors: they are marked in `OracleResult`.
public struct OracleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: String, Sendable, Codable {
        /// The `--oracle` text is not a valid command or in-process spec.
        case spec
        /// The command could not be started (no /bin/sh, no temporary directory, …).
        case start
        /// The command exited with a non-zero status.
        case exitStatus
        /// The command was killed by a signal.
        case signal
        /// The command ran past the timeout; its process group was killed.
        case timeout
        /// pdfemu was asked to stop (Ctrl-C) while the command ran; its process group was killed.
        case interrupted
        /// The command exited with status 0 but wrote no output file.
        case noOutput
        /// The output file is not readable HDF5, or a dataset cannot be read.
        case unreadableOutput
        /// A dataset is missing, holds text where numbers belong, or has the wrong shape.
        case wrongShape
        /// Parameter or experiment names are missing, repeated, or differ from what was asked.
        case wrongNames
        /// The points do not fit the oracle (missing or extra parameters, non-finite values).
        case parameters
        /// Writing the input file or another file operation failed.
        case io
    }

    /// What went wrong.
    public var kind: Kind
    /// The oracle's label (its spec, e.g. `'./fit {input} {output}'` or `emulator:E.h5`); "" if none.
    public var oracle: String
    /// The problem, one line.
    public var message: String

    /// Creates an error.
    package init(_ kind: Kind, oracle: String = "", _ message: String) {
        self.kind = kind
        self.oracle = oracle
        self.message = message
    }

    /// The same error attributed to `oracle` (kept if already set).
    package func from(_ oracle: String) -> OracleError {
        var e = self
        if e.oracle.isEmpty { e.oracle = oracle }
        return e
    }

    public var description: String { oracle.isEmpty ? message : "oracle \(oracle): \(message)" }

    /// Runs `body`, turning any error it throws into an `OracleError` of `kind` with the error's one-line
    /// message (an `OracleError` passes through unchanged).
    package static func wrapping<T>(_ kind: Kind, oracle: String = "", _ body: () throws -> T) throws(OracleError) -> T {
        do { return try body() } catch let e as OracleError { throw e.from(oracle) } catch {
            throw OracleError(kind, oracle: oracle, userMessage(error))
        }
    }
}
