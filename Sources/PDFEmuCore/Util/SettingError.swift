/// A setting of a library operation, named in library spelling (`tolerances`, `theory.q2Min`,
/// `design.deltaMax`). Each module declares its own as static members; only the command line knows
/// the flag that sets each one.
package struct Setting: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The library spelling.
    package var rawValue: String
    /// The setting named `rawValue`.
    package init(rawValue: String) { self.rawValue = rawValue }
    /// The setting named `name`.
    package init(_ name: String) { self.rawValue = name }
    /// The library spelling.
    package var description: String { rawValue }
}

/// A setting that cannot be used: which setting, optionally what in it (a parameter name, a pair),
/// and why. The description reads "SETTING [SUBJECT]: MESSAGE" in library spelling; the command line
/// prints the same with its flag in place of the setting. The one error type for bad settings in
/// every module.
public struct SettingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The setting at fault.
    package var setting: Setting
    /// What in it is at fault (e.g. the parameter name), if anything.
    package var subject: String?
    /// Why, in one line.
    package var message: String

    /// Creates the error about `subject` in `setting`.
    package init(_ setting: Setting, _ subject: String?, _ message: String) {
        self.setting = setting; self.subject = subject; self.message = message
    }

    /// Creates the error about `setting` as a whole.
    package init(_ setting: Setting, _ message: String) { self.init(setting, nil, message) }

    /// The line with `name` standing for the setting.
    package func line(naming name: String) -> String { name + (subject.map { " " + $0 } ?? "") + ": " + message }

    /// The line in library spelling.
    public var description: String { line(naming: setting.rawValue) }
}
