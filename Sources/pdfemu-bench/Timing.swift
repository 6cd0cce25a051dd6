import Foundation

/// Monotonic time in seconds.
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

/// Median of `x` (NaN if empty).
func median(_ x: [Double]) -> Double {
    guard !x.isEmpty else { return .nan }
    let s = x.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
}

/// How busy the machine was with other processes over an interval: CPU time used by everyone
/// (/proc/stat) minus this process and its waited-for children (/proc/self/stat), as a fraction of
/// all cores' time. Figures well above ~5% mean the timing was disturbed.
struct MachineLoad {
    private var start: (total: Double, busy: Double, own: Double, wall: Double)?

    /// Starts the interval (nil readings off Linux: `otherFraction` is then nil).
    init() { start = MachineLoad.read().map { ($0.total, $0.busy, $0.own, now()) } }

    /// Fraction of all cores' time used by other processes since `init`.
    func otherFraction() -> Double? {
        guard let s = start, let e = MachineLoad.read() else { return nil }
        let total = e.total - s.total
        guard total > 0 else { return nil }
        return max(0, (e.busy - s.busy) - (e.own - s.own)) / total
    }

    /// (all jiffies, busy jiffies, own jiffies) or nil.
    private static func read() -> (total: Double, busy: Double, own: Double)? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let cpu = stat.split(separator: "\n").first, cpu.hasPrefix("cpu "),
              let mine = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = mine.lastIndex(of: ")") else { return nil }
        let v = cpu.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard v.count >= 5 else { return nil }
        let total = v.prefix(8).reduce(0, +)         // user nice system idle iowait irq softirq steal
        let idle = v[3] + v[4]
        // Fields after the command: state is field 3, utime/stime/cutime/cstime are fields 14–17.
        let f = mine[mine.index(after: close)...].split(separator: " ")
        guard f.count >= 15, let ut = Double(f[11]), let st = Double(f[12]), let cut = Double(f[13]),
              let cst = Double(f[14]) else { return nil }
        return (total, total - idle, ut + st + cut + cst)
    }
}

/// Runs this executable as `pdfemu-bench --child SECTION ARGS...` with `environment` changes (nil
/// removes a variable) and returns the JSON line it prints.
func runChild(section: String, arguments: [String], environment: [String: String?]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path),
       let exe = Bundle.main.executableURL {
        process.executableURL = exe
    }
    process.arguments = ["--child", section] + arguments
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw BenchError("child process for \(section) \(arguments.joined(separator: " ")) exited with status \(process.terminationStatus)")
    }
    return data
}

/// Formats `x` with `digits` decimals.
func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

/// Pads `s` to `width` (right-aligned when `right`).
func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
    let n = max(0, width - s.count)
    return right ? String(repeating: " ", count: n) + s : s + String(repeating: " ", count: n)
}
