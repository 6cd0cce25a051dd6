import Foundation
import PDFEmu

/// The PyTorch peer (/work/shared/bench/torch_fit.py by default): where it is, how to run it, and the
/// figures of one run. Override the places with PDFEMU_PEER_DIR and PDFEMU_PEER_PYTHON.
enum Peer {
    /// Folder holding torch_fit.py and make_data.py.
    static var directory: String {
        ProcessInfo.processInfo.environment["PDFEMU_PEER_DIR"] ?? FileManager.default.currentDirectoryPath + "/../shared/bench"
    }
    /// The peer's Python (the venv its README installs).
    static var python: String {
        ProcessInfo.processInfo.environment["PDFEMU_PEER_PYTHON"]
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".peer-venv/bin/python")
    }
    /// The wrapper that gives the peer pdfemu's output structure (bench/peer_head.py of this checkout).
    static var headScript: String { FileManager.default.currentDirectoryPath + "/bench/peer_head.py" }
    /// Units of the sum-of-squares head of the default network (Configs/hera14.json, `loss.sos_components`):
    /// every peer network ends in it unless a run asks for a plain linear output.
    static let defaultComponents = FitConfig.defaults.sosComponents
    /// Longest a single peer run may take before it is stopped (a very busy machine).
    static let timeoutSeconds = 420.0

    /// Nil if the peer can run here, else why not.
    static var unavailable: String? {
        let fm = FileManager.default
        if !fm.fileExists(atPath: directory + "/torch_fit.py") { return "no \(directory)/torch_fit.py (set PDFEMU_PEER_DIR)" }
        if !fm.isExecutableFile(atPath: python) { return "no Python at \(python) (set PDFEMU_PEER_PYTHON)" }
        if !fm.fileExists(atPath: headScript) { return "no \(headScript) (run pdfemu-bench from the checkout's top folder)" }
        return nil
    }

    /// The figures of one torch_fit.py run.
    struct Result {
        /// Training samples/s of each epoch and the other-process load (fraction) during it.
        var epochSamplesPerSecond: [Double]
        var epochLoad: [Double]
        /// Batched inference in chunks of 4096 (best of 5) and the load during it.
        var inferencePointsPerSecond: Double?
        var inferenceLoad: Double?
        /// Median µs of one χ²+gradient call (torch threads as given, and at 1 thread when they differ).
        var pointMicroseconds: Double?
        var pointMicroseconds1Thread: Double?
        var pointLoad: Double?
        /// Training points.
        var trainPoints: Int
        /// The profile scans (scipy L-BFGS-B, iminuit MIGRAD), when run with more than one scan point.
        var scipyScan: Scan? = nil
        var iminuitScan: Scan? = nil
        /// The scan's grid and the network's global minimum found before it (not in the scan's seconds).
        var scanGrid: [Double] = []
        var globalMinimumChi2: Double?
    }

    /// One of torch_fit.py's profile scans: wall seconds of the grid points (the global minimisation
    /// before them not included), function calls, converged points and the load during it.
    struct Scan {
        var seconds: Double
        var evaluations: Int
        var gradientEvaluations: Int
        var converged: Int
        var points: Int
        var load: Double
        var profile: [Double]
    }

    /// Runs torch_fit.py on `data` with an MLP of `layers`×`hidden` tanh units, Adam, `batch`, float32,
    /// `epochs` epochs and `threads` torch threads (numpy's OpenBLAS at 1 thread, as the peer's README says).
    /// `scanPoints` > 1 also times its 41-point-style profile scans (scipy, and iminuit when `iminuit`);
    /// `extra` arguments are appended (e.g. --load-model, --scan-param). The network ends in a sum-of-squares
    /// head of `sosComponents` units (pdfemu's default structure, through bench/peer_head.py); 0: one linear output.
    static func run(data: String, hidden: Int, layers: Int = 3, batch: Int, epochs: Int, threads: Int = 2,
                    latencyCalls: Int = 2000, scanPoints: Int = 1, iminuit: Bool = false,
                    sosComponents: Int = defaultComponents, extra: [String] = []) throws -> Result {
        if let why = unavailable { throw BenchError("peer: " + why) }
        let tmp = try BenchData.scratch("peer")
        let json = tmp + "/peer-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max)).json"
        let logPath = json.replacingOccurrences(of: ".json", with: ".log")
        defer { try? FileManager.default.removeItem(atPath: json); try? FileManager.default.removeItem(atPath: logPath) }
        let args = [headScript, "--peer-dir", directory, "--sos-components", String(sosComponents), "--data", data, "--hidden", String(hidden), "--layers", String(layers),
                    "--act", "tanh", "--batch", String(batch), "--epochs", String(epochs), "--threads", String(threads),
                    "--lr", "0.001", "--scan-points", String(scanPoints), "--latency-calls", String(latencyCalls),
                    "--json", json] + (iminuit ? [] : ["--no-iminuit"]) + extra
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_NUM_THREADS"] = "1"
        env.removeValue(forKey: "OPENBLAS_CORETYPE")
        process.environment = env
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let started = now()
        while process.isRunning {
            if now() - started > timeoutSeconds {
                process.terminate()
                process.waitUntilExit()
                throw BenchError("peer run (hidden \(hidden), batch \(batch)) took over \(Int(timeoutSeconds)) s: stopped (machine too busy?)")
            }
            usleep(20_000)
        }
        try? log.close()
        guard process.terminationStatus == 0, let raw = FileManager.default.contents(atPath: json) else {
            let tail = (try? String(contentsOfFile: logPath, encoding: .utf8))?.split(separator: "\n").suffix(5)
                .joined(separator: "\n") ?? ""
            throw BenchError("peer run failed (status \(process.terminationStatus)): \(python) \(args.joined(separator: " "))\n\(tail)")
        }
        return try parse(raw)
    }

    /// Decodes torch_fit.py's --json output (Python writes NaN/Infinity as bare tokens: read as null).
    static func parse(_ raw: Data) throws -> Result {
        var text = String(decoding: raw, as: UTF8.self)
        for token in ["-Infinity", "Infinity", "NaN"] { text = text.replacingOccurrences(of: ": \(token)", with: ": null") }
        guard let root = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw BenchError("peer JSON: not an object")
        }
        func num(_ any: Any?) -> Double? { (any as? NSNumber)?.doubleValue }
        let epochs = root["epochs"] as? [[String: Any]] ?? []
        let inference = (root["inference"] as? [String: Any])?["chunks_4096"] as? [String: Any]
        let latency = root["latency"] as? [String: Any]
        let fg = latency?["fwd_grad"] as? [String: Any]
        let fg1 = latency?["fwd_grad_1thread"] as? [String: Any]
        let config = root["config"] as? [String: Any]
        let scan = root["scan"] as? [String: Any]
        func scanOf(_ key: String, calls: String, grads: String) -> Scan? {
            guard let d = scan?[key] as? [String: Any], let s = num(d["seconds"]) else { return nil }
            return Scan(seconds: s, evaluations: (d[calls] as? NSNumber)?.intValue ?? 0,
                        gradientEvaluations: (d[grads] as? NSNumber)?.intValue ?? 0,
                        converged: (d["converged"] as? NSNumber)?.intValue ?? 0, points: (d["points"] as? NSNumber)?.intValue ?? 0,
                        load: num(d["foreign_cpu_pct"]).map { $0 / 100 } ?? .nan,
                        profile: (d["profile"] as? [Any] ?? []).map { num($0) ?? .nan })
        }
        return Result(epochSamplesPerSecond: epochs.compactMap { num($0["samples_per_s"]) },
                      epochLoad: epochs.map { (num($0["foreign_cpu_pct"]) ?? .nan) / 100 },
                      inferencePointsPerSecond: num(inference?["points_per_s"]),
                      inferenceLoad: num(inference?["foreign_cpu_pct"]).map { $0 / 100 },
                      pointMicroseconds: num(fg?["median_us"]),
                      pointMicroseconds1Thread: num(fg1?["median_us"]),
                      pointLoad: num(fg?["foreign_cpu_pct"]).map { $0 / 100 },
                      trainPoints: (config?["n_train"] as? NSNumber)?.intValue ?? 0,
                      scipyScan: scanOf("scipy", calls: "nfev", grads: "nfev"),
                      iminuitScan: scanOf("iminuit", calls: "nfcn", grads: "ngrad"),
                      scanGrid: (scan?["grid"] as? [Any] ?? []).compactMap { num($0) },
                      globalMinimumChi2: num((scan?["global_min"] as? [String: Any])?["chi2"]))
    }

    /// Peer runs made so far in this process, by "hidden/batch/epochs": later sections reuse them
    /// (the infer and point sections share their peer runs).
    nonisolated(unsafe) static var cache: [String: [Result]] = [:]
}
