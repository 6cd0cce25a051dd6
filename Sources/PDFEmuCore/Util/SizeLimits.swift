import Foundation

/// A count setting outside what this machine can hold: which setting (library spelling, e.g.
/// "design.count"), the value asked and the largest accepted. The CLI prints the same line with its
/// flag in place of the setting.
public struct SizeLimitError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The setting, in library spelling.
    public var setting: String
    /// The line's text after the setting name.
    public var message: String

    /// Creates the error.
    public init(setting: String, message: String) { self.setting = setting; self.message = message }

    /// The line with `name` standing for the setting.
    public func line(naming name: String) -> String { "\(name): \(message)" }

    /// The line in library spelling.
    public var description: String { line(naming: setting) }
}

/// Limits on counts that decide how much is allocated or how long a loop runs, checked before anything
/// is allocated: each count is at most a fixed cap and its estimated bytes at most half of the memory
/// this process may use (physical memory, or the address-space limit if lower).
public enum SizeLimits {
    /// Bytes this process may use: physical memory (sysconf pages × page size), or RLIMIT_AS if lower.
    public static var memoryBytes: Double {
        let pages = Double(max(0, sysconf(Int32(_SC_PHYS_PAGES)))), size = Double(max(0, sysconf(Int32(_SC_PAGESIZE))))
        var bytes = pages * size > 0 ? pages * size : 1e12
        var lim = rlimit()
        if getrlimit(RLIMIT_AS_value, &lim) == 0, lim.rlim_cur != rlim_t.max { bytes = min(bytes, Double(lim.rlim_cur)) }
        return bytes
    }

    private static var RLIMIT_AS_value: __rlimit_resource_t {
        #if canImport(Glibc)
        return __rlimit_resource_t(RLIMIT_AS.rawValue)
        #else
        return RLIMIT_AS
        #endif
    }

    /// Throws if `count` is above `cap`, or `count` × `bytesEach` is above half of `memoryBytes`.
    /// `what` names one item in the message ("points").
    public static func check(_ setting: String, _ count: Int, cap: Int, bytesEach: Double, what: String) throws(SizeLimitError) {
        let budget = memoryBytes / 2
        let byMemory = bytesEach > 0 ? Int(min(Double(Int.max / 2), (budget / bytesEach).rounded(.down))) : Int.max
        let limit = max(1, min(cap, byMemory))
        guard count > limit else { return }
        let reason = limit == cap && cap <= byMemory ? "the largest accepted"
            : "what fits in half of this machine's memory (\(formatBytes(memoryBytes)), about \(formatBytes(bytesEach)) per \(singular(what)))"
        throw SizeLimitError(setting: setting, message: "\(count) \(what) is above the limit of \(limit) (\(reason))")
    }

    /// Throws if `value` is above `limit` (a level or range, not a count).
    public static func check(_ setting: String, _ value: Double, atMost limit: Double, what: String) throws(SizeLimitError) {
        guard value > limit else { return }
        throw SizeLimitError(setting: setting, message: "\(String(format: "%g", value)) is above the largest accepted \(what), \(String(format: "%g", limit))")
    }

    private static func singular(_ what: String) -> String { what.hasSuffix("s") ? String(what.dropLast()) : what }

    /// "1.5 GB"-style text of a byte count.
    public static func formatBytes(_ b: Double) -> String {
        for (unit, scale) in [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)] where b >= scale {
            return String(format: "%.3g", b / scale) + " " + unit
        }
        return String(format: "%.0f bytes", b)
    }
}
