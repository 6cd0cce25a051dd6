/// Provenance: ordered text key–value pairs stored as the root attributes of an output file
/// (`oracle`, `input_hash`, `theory_file_data`, …) and read back from scan, theory and oracle files.
///
/// Keys are unique: setting a key that is present replaces its value in place, so the order is the order
/// in which keys were first given. Read from a file, the order is the file's (attribute names ascending).
/// Written with an array literal of pairs (`[("oracle", "./fit"), ("run", "7")]`) or a dictionary literal.
public struct Provenance: Sendable, Equatable, Codable, Sequence, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    /// One attribute: its name and its text.
    public typealias Element = (key: String, value: String)

    private var keys: [String] = []
    private var values: [String] = []

    /// No attributes.
    public init() {}

    /// The pairs in order; a repeated key keeps its first position and its last value.
    public init<S: Sequence>(_ pairs: S) where S.Element == (String, String) {
        for (key, value) in pairs { self[key] = value }
    }

    /// The pairs in order (see `init(_:)`).
    public init(arrayLiteral pairs: (String, String)...) { self.init(pairs) }

    /// The pairs in order (see `init(_:)`).
    public init(dictionaryLiteral pairs: (String, String)...) { self.init(pairs) }

    /// The value of `key`, nil when absent. Setting nil removes the key; setting a new key appends it.
    public subscript(key: String) -> String? {
        get { keys.firstIndex(of: key).map { values[$0] } }
        set {
            if let i = keys.firstIndex(of: key) {
                if let newValue { values[i] = newValue } else { keys.remove(at: i); values.remove(at: i) }
            } else if let newValue {
                keys.append(key); values.append(newValue)
            }
        }
    }

    /// Number of attributes.
    public var count: Int { keys.count }
    /// True when there are no attributes.
    public var isEmpty: Bool { keys.isEmpty }

    /// The pairs in order.
    public func makeIterator() -> AnyIterator<Element> {
        var i = 0
        return AnyIterator {
            guard i < keys.count else { return nil }
            defer { i += 1 }
            return (keys[i], values[i])
        }
    }

    /// The attributes for which `isIncluded` is true, in order.
    public func filter(_ isIncluded: (Element) -> Bool) -> Provenance {
        var out = Provenance()
        for pair in self where isIncluded(pair) { out[pair.key] = pair.value }
        return out
    }

    /// `lhs` followed by the pairs of `rhs` (a key of both takes `rhs`'s value at `lhs`'s position).
    public static func + (lhs: Provenance, rhs: Provenance) -> Provenance {
        var out = lhs
        out += rhs
        return out
    }

    /// Appends (or replaces) the pairs of `rhs`, in order.
    public static func += (lhs: inout Provenance, rhs: Provenance) {
        for (key, value) in rhs { lhs[key] = value }
    }

    /// Same keys, values and order.
    public static func == (lhs: Provenance, rhs: Provenance) -> Bool { lhs.keys == rhs.keys && lhs.values == rhs.values }

    /// Encoded as an object of strings (the shape `[String: String]` has).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(Dictionary(zip(keys, values), uniquingKeysWith: { _, last in last }))
    }

    /// Decodes an object of strings; the keys come in ascending order.
    public init(from decoder: any Decoder) throws {
        let d = try decoder.singleValueContainer().decode([String: String].self)
        self.init(d.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }
}
