import Foundation
import PDFEmu

extension BenchSection {
    /// Peak memory of a fit against the raw size of the scan.
    static let memory = BenchSection(
        name: "memory",
        summary: "peak RSS of a 1-epoch fit (small network) on a 1,000,000 × 30 scan against the raw data size",
        run: MemoryBench.run, child: MemoryBench.child)
}

/// The memory section: `FitRunner.run` (what `pdfemu fit` does) in a child process, which reads its peak
/// resident set (VmHWM) at each stage and resets it (`/proc/self/clear_refs` 5) for the next.
enum MemoryBench {
    static let n = 1_000_000, p = 30
    static let hidden = [64, 64]

    /// One stage: its peak and the resident set at its end, in bytes.
    struct Stage: Codable { var name: String; var peak: Double; var end: Double }
    struct Result: Codable { var start: Double; var stages: [Stage]; var seconds: Double }

    /// (VmRSS, VmHWM) in bytes from /proc/self/status.
    static func rss() -> (now: Double, peak: Double) {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (.nan, .nan) }
        func field(_ name: String) -> Double {
            guard let line = s.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return .nan }
            return (line.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? .nan) * 1024
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    /// Resets VmHWM to the current resident set.
    static func resetPeak() {
        if let h = FileHandle(forWritingAtPath: "/proc/self/clear_refs") { h.write(Data("5".utf8)); try? h.close() }
    }

    /// Child entry: `--child memory SCAN`.
    static func child(_ args: [String]) throws -> String {
        guard let file = args.first else { throw BenchError("memory child needs SCAN") }
        try BLAS.ensureLoaded()
        let t0 = now()
        var stages: [Stage] = []
        let start = rss().now
        resetPeak()
        func mark(_ name: String) {
            let r = rss()
            stages.append(Stage(name: name, peak: r.peak, end: r.now))
            resetPeak()
        }
        let config = BenchData.config(file: file, hidden: hidden, batch: 256, epochs: 1, validation: 0.1, test: 0.1)
        var c = config
        c.trainFraction = 0.8
        let result = try FitRunner.run(config: c, options: FitOptions(output: c.output), log: { line in
            if line.hasPrefix("read ") { mark("read scan (ScanReader)") }
            if line.hasPrefix("split:") { mark("split + scale (TrainingData)") }
        }, progress: { _ in mark("train 1 epoch (Trainer + validation)") })
        mark("test accuracy + save")
        try? FileManager.default.removeItem(atPath: c.output)
        _ = result
        let data = try JSONEncoder().encode(Result(start: start, stages: stages, seconds: now() - t0))
        return String(decoding: data, as: UTF8.self)
    }

    static func run() throws {
        let file = try BenchData.synthetic(n: n, p: p)
        let data = try runChild(section: "memory", arguments: [file], environment: [:])
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        let r = try JSONDecoder().decode(Result.self, from: Data(line.utf8))
        let raw = Double(n * (p + 1) * 8)
        let peak = r.stages.map(\.peak).max() ?? .nan
        let mb = { (x: Double) in fixed(x / 1e6, 0) + " MB" }
        print("scan \(file): N = \(n), P = \(p); raw data N×(P+1)×8 bytes = \(mb(raw))")
        print("FitRunner.run (the `pdfemu fit` path), float32, \(p)→\(hidden.map(String.init).joined(separator: "×"))→1, "
              + "batch 256, 1 epoch, 80/10/10 split, in a child process (\(fixed(r.seconds, 1)) s)")
        print(pad("stage", 40) + pad("peak RSS", 12, right: true) + pad("RSS after", 12, right: true) + pad("peak/raw", 10, right: true))
        print(pad("process start (BLAS loaded)", 40) + pad("", 12) + pad(mb(r.start), 12, right: true))
        for s in r.stages {
            print(pad(s.name, 40) + pad(mb(s.peak), 12, right: true) + pad(mb(s.end), 12, right: true)
                  + pad(fixed(s.peak / raw, 2) + "×", 10, right: true))
        }
        print("peak RSS \(mb(peak)) = \(fixed(peak / raw, 2))× the raw data (target ≤ ~2×)")
    }
}
