import Foundation
/// A user-facing failure: what is at fault (`subject`) and why (`reason`). The one line a user sees,
/// `message`, is composed from the two in one place (`PDFEmuError.Subject.line(_:naming:)`), so every
/// error names the file, dataset, key, setting or model at fault. Bad settings are `PDFEmuError`s
/// whose subject is `.setting` (`SettingError` is this type).
public struct PDFEmuError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What an error is about: the input at fault.
    package enum Subject: Sendable, Equatable {
        /// A setting of a library operation, and optionally what in it (a parameter name, a pair):
        /// "SETTING [ITEM]: reason", the setting in library spelling (the command line puts its flag there).
        case setting(Setting, item: String?)
        /// A file as a whole (its kind, its readability, how its parts agree): "PATH: reason". An empty
        /// path (no file given, an empty file name) is not shown: the line is the reason, which says so.
        case file(String)
        /// A dataset, group or attribute inside a file (e.g. "/chi2"): "PATH: NAME: reason".
        case dataset(file: String, name: String)
        /// A key of a configuration (e.g. "training.learning_rate"), with the file when known:
        /// "FILE: KEY: reason" or "KEY: reason".
        case key(file: String?, key: String)
        /// An input named by its label (a model's file, a list of files, a quantity): "LABEL: reason".
        case input(String)
        /// A linear expression as the user wrote it: "expression \"TEXT\": reason".
        case expression(String)
        /// A computation (e.g. "mcmc", "merge", "profile plot of Buv") whose arguments, given by the
        /// calling code rather than read from a file, do not fit: "STEP: reason".
        case step(String)
        /// The χ² function under analysis (the model the caller passed, which carries no file name):
        /// its values, gradient, Hessian or minimum. The line is the reason, which says which of these.
        case chi2
        /// How a command was invoked (command-line only: a combination of its own options). The line
        /// is the reason, which names the options.
        case usage

        /// The one line for `reason` about this subject, with `name` standing for a setting's name.
        package func line(_ reason: String, naming name: String? = nil) -> String {
            switch self {
            case let .setting(s, item): return (name ?? s.rawValue) + (item.map { " " + $0 } ?? "") + ": " + reason
            case let .file(path): return path.isEmpty ? reason : "\(path): \(reason)"
            case let .dataset(file, object): return "\(file): \(object): \(reason)"
            case let .key(file, key): return (file.map { "\($0): " } ?? "") + "\(key): \(reason)"
            case let .input(label): return "\(label): \(reason)"
            case let .expression(text): return "expression \"\(text)\": \(reason)"
            case let .step(step): return "\(step): \(reason)"
            case .chi2, .usage: return reason
            }
        }
    }

    /// What is at fault.
    package var subject: Subject
    /// Why, in one line, without the subject.
    package var reason: String

    /// Creates the error about `subject`.
    package init(_ subject: Subject, _ reason: String) {
        self.subject = subject
        self.reason = reason.replacingOccurrences(of: "\n", with: " ")
    }
    /// Creates the error about the file at `path`.
    package init(file path: String, _ reason: String) { self.init(.file(path), reason) }
    /// Creates the error about dataset (or group, attribute) `name` in the file at `path`.
    package init(file path: String, dataset name: String, _ reason: String) { self.init(.dataset(file: path, name: name), reason) }
    /// Creates the error about `item` (e.g. a parameter name) in `setting`.
    package init(_ setting: Setting, _ item: String?, _ reason: String) { self.init(.setting(setting, item: item), reason) }
    /// Creates the error about `setting` as a whole.
    package init(_ setting: Setting, _ reason: String) { self.init(.setting(setting, item: nil), reason) }

    /// The setting at fault, if the subject is a setting.
    package var setting: Setting? { if case let .setting(s, _) = subject { return s } else { return nil } }
    /// What in the setting is at fault (e.g. a parameter name), if the subject is a setting and names one.
    package var item: String? { if case let .setting(_, i) = subject { return i } else { return nil } }

    /// The same reason about another subject (to attribute an error found in a part to the whole it
    /// was read from, e.g. a points check to the file holding the points).
    package func about(_ other: Subject) -> PDFEmuError { PDFEmuError(other, reason) }

    /// The line with `name` standing for the setting (for the command line's flag).
    package func line(naming name: String) -> String { subject.line(reason, naming: name) }

    /// The one-line message: the subject, then the reason.
    public var message: String { subject.line(reason) }
    /// The one-line message (as `message`).
    public var description: String { message }
}

/// A setting that cannot be used: a `PDFEmuError` whose subject is `.setting`. The description reads
/// "SETTING [ITEM]: REASON" in library spelling; the command line prints the same with its flag in
/// place of the setting.
public typealias SettingError = PDFEmuError

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
