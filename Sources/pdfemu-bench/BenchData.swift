import Foundation
import PDFEmu

/// Benchmark data: synthetic scans made with the peer's make_data.py into .build/bench-data/ (never
/// committed), read once per process.
enum BenchData {
    /// Scratch folder under .build/bench-data/ of the current directory (created if missing).
    static func scratch(_ sub: String = "") throws -> String {
        let base = ProcessInfo.processInfo.environment["PDFEMU_BENCH_DATA"]
            ?? FileManager.default.currentDirectoryPath + "/.build/bench-data"
        let dir = sub.isEmpty ? base : base + "/" + sub
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Path of the synthetic scan with `n` points and `p` parameters (seed 1234), generated if missing.
    static func synthetic(n: Int, p: Int) throws -> String {
        let path = try scratch() + "/scan_n\(n)_p\(p).h5"
        if FileManager.default.fileExists(atPath: path) { return path }
        if let why = Peer.unavailable { throw BenchError("cannot make \(path): " + why) }
        print("(generating \(path) with make_data.py --n \(n) --p \(p))")
        let tmp = path + ".tmp"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Peer.python)
        process.arguments = [Peer.directory + "/make_data.py", "--n", String(n), "--p", String(p), "--seed", "1234", "--out", tmp]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: tmp)
            throw BenchError("make_data.py --n \(n) --p \(p) failed (status \(process.terminationStatus))")
        }
        try FileManager.default.moveItem(atPath: tmp, toPath: path)
        return path
    }

    nonisolated(unsafe) private static var scans: [String: ScanData] = [:]

    /// The scan at `path`, read once per process.
    static func scan(_ path: String) throws -> ScanData {
        if let s = scans[path] { return s }
        let s = try ScanReader.read([path])
        scans[path] = s
        return s
    }

    /// A fit config for the benchmarks: 3 tanh layers of `hidden`, float32, Adam at a constant 1e-3,
    /// `batch`, `epochs`, 2 threads, no loss weighting; 90% training points as the peer uses.
    static func config(file: String, hidden: [Int], batch: Int, epochs: Int, validation: Double = 0.001,
                       test: Double = 0) -> FitConfig {
        var c = FitConfig.defaults
        c.files = [file]
        c.perExperiment = false
        c.hidden = hidden
        c.activation = .tanh
        c.precision = .float32
        c.optimizer.kind = .adam
        c.learningRate = 1e-3
        c.schedule = .constant
        c.batchSize = batch
        c.epochs = epochs
        c.maxMinutes = 0
        c.weighting = .none
        c.trainFraction = 0.9
        c.validationFraction = validation
        c.testFraction = test
        c.threads = 2
        c.seed = 1
        c.members = 1
        c.output = try! scratch("tmp") + "/bench_emulator_\(ProcessInfo.processInfo.processIdentifier).h5"
        return c
    }

    /// Knobs: PDFEMU_BENCH_ROUNDS (interleaved rounds, default 2), PDFEMU_BENCH_EPOCHS (default 3).
    static func knob(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap(Int.init).map { max(1, $0) } ?? fallback
    }
}

/// "12.3%" or "n/a"; a trailing "*" marks a figure disturbed by other processes (> 5% of the machine).
func loadText(_ f: Double?) -> String {
    guard let f, f.isFinite else { return "n/a" }
    return fixed(100 * f, 1) + "%" + (f > contaminationThreshold ? "*" : "")
}

/// Other-process load above which a timing counts as contaminated.
let contaminationThreshold = 0.05

/// Formats a rate as "1.23 M" / "456.7 k".
func rateText(_ x: Double?) -> String {
    guard let x, x.isFinite else { return "n/a" }
    if x >= 1e6 { return fixed(x / 1e6, 2) + " M" }
    if x >= 1e3 { return fixed(x / 1e3, 1) + " k" }
    return fixed(x, 0)
}
