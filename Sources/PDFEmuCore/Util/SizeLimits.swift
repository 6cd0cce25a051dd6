import Foundation

/// Limits on counts that decide how much is allocated or how long a loop runs, checked before anything
/// is allocated: each count is at most a fixed cap and its estimated bytes at most half of the memory
/// this process may use (physical memory, or the address-space limit if lower).
package enum SizeLimits {
    /// Bytes this process may use: physical memory (sysconf pages × page size), or RLIMIT_AS if lower.
    package static var memoryBytes: Double {
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

    /// Throws a `SettingError` naming `setting` if `count` is above `cap`, or `count` × `bytesEach` is
    /// above half of `memoryBytes`. `what` names the items in the message ("points").
    package static func validate(_ setting: Setting, _ count: Int, cap: Int, bytesEach: Double, what: String) throws(SettingError) {
        let budget = memoryBytes / 2
        let byMemory = bytesEach > 0 ? Int(min(Double(Int.max / 2), (budget / bytesEach).rounded(.down))) : Int.max
        let limit = max(1, min(cap, byMemory))
        guard count > limit else { return }
        let reason = limit == cap && cap <= byMemory ? "the largest accepted"
            : "what fits in half of this machine's memory (\(formatBytes(memoryBytes)), about \(formatBytes(bytesEach)) per \(singular(what)))"
        throw SettingError(setting, "\(count) \(what) is above the limit of \(limit) (\(reason))")
    }

    /// Throws a `SettingError` naming `setting` if `value` is above `limit` (a level, not a count).
    package static func validate(_ setting: Setting, _ value: Double, atMost limit: Double, what: String) throws(SettingError) {
        guard value > limit else { return }
        throw SettingError(setting, "\(String(format: "%g", value)) is above the largest accepted \(what), \(String(format: "%g", limit))")
    }

    private static func singular(_ what: String) -> String { what.hasSuffix("s") ? String(what.dropLast()) : what }

    /// "1.5 GB"-style text of a byte count.
    package static func formatBytes(_ b: Double) -> String {
        for (unit, scale) in [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)] where b >= scale {
            return String(format: "%.3g", b / scale) + " " + unit
        }
        return String(format: "%.0f bytes", b)
    }
}
