import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis
/// What `--oracle TEXT` names: an external command, or an in-process oracle `SCHEME:ARGUMENT`.
///
/// `TEXT` is in-process when it starts with a registered scheme and a colon (`emulator:E.h5`);
/// anything else is a command template, which must hold `{input}` and `{output}`. New in-process
/// oracles are one entry in `OracleSpec.schemes`.
public enum OracleSpec: Sendable, Equatable {
    /// An external command (`CommandOracle`).
    case command(String)
    /// An in-process oracle: a registered scheme and its argument (usually a file).
    case inProcess(scheme: String, argument: String)

    /// Builds the oracle of an in-process scheme from its argument.
    package typealias Factory = @Sendable (_ argument: String) throws -> any ChiSquareOracle

    /// The in-process schemes: `emulator:FILE` evaluates an emulator file (`ModelOracle`), `fk:FILE`
    /// the exact χ² of an FK theory file with the default theory options (`TheoryOracle`; `pdfemu chi2 --theory FILE` takes theory options).
    package static let schemes: [String: Factory] = [
        "fk": { path in try TheoryOracle(path: path) },
        "emulator": { path in
            ModelOracle(try Emulator.load(path), label: "emulator:\(path)", provenance: [("emulator_hash", try RunIdentity.fileHash(path))])
        },
    ]

    /// Parses `text`: `SCHEME:ARGUMENT` for a registered scheme, otherwise a command (checked).
    public init(parsing text: String) throws(OracleError) {
        if let colon = text.firstIndex(of: ":"), Self.schemes[String(text[..<colon])] != nil {
            let argument = String(text[text.index(after: colon)...])
            guard !argument.isEmpty else {
                throw OracleError(.spec, oracle: text, "give a file after '\(text[..<colon]):'")
            }
            self = .inProcess(scheme: String(text[..<colon]), argument: argument)
            return
        }
        if !text.contains("{input}") && !text.contains(" "),
           let colon = text.firstIndex(of: ":"), text[..<colon].allSatisfy({ $0.isLetter || $0.isNumber }) {
            throw OracleError(.spec, oracle: text, "unknown oracle scheme '\(text[..<colon])' (known: "
                              + Self.schemes.keys.sorted().map { "\($0):FILE" }.joined(separator: ", ")
                              + "; a command needs {input} and {output})")
        }
        _ = try CommandOracle(text)
        self = .command(text)
    }

    /// The spec as given.
    public var text: String {
        switch self {
        case .command(let c): return c
        case .inProcess(let s, let a): return "\(s):\(a)"
        }
    }

    /// The files this oracle reads, each labelled "`option` `text`" (`option` is how the caller names the
    /// spec, e.g. a flag): the file of an in-process scheme, and the words of a command that name an
    /// existing regular file (its program or script, a theory file it is given). An output must be none of them.
    package func inputFiles(labelled option: String) -> [(label: String, path: String)] {
        let label = option.isEmpty ? text : "\(option) \(text)"
        switch self {
        case .inProcess(_, let argument): return [(label, argument)]
        case .command(let template):
            var files: [(label: String, path: String)] = []
            for word in template.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                var w = String(word)
                for q in ["'", "\""] where w.hasPrefix(q) && w.hasSuffix(q) && w.count >= 2 { w = String(w.dropFirst().dropLast()) }
                if let eq = w.firstIndex(of: "="), w.hasPrefix("-") { w = String(w[w.index(after: eq)...]) }  // --theory=T.h5
                guard !w.isEmpty, !w.contains("{input}"), !w.contains("{output}") else { continue }
                var st = stat()
                if stat(w, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { files.append((label, w)) }
            }
            return files
        }
    }

    /// Creates the oracle. `timeout` and `shouldStop` apply to commands.
    public func makeOracle(timeout: Double? = 3600, shouldStop: @escaping @Sendable () -> Bool = { false }) throws -> any ChiSquareOracle {
        switch self {
        case .command(let template): return try CommandOracle(template, timeout: timeout, shouldStop: shouldStop)
        case .inProcess(let scheme, let argument): return try Self.schemes[scheme]!(argument)
        }
    }
}
