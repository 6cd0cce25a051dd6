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
