import Foundation
import PDFEmu

extension BenchSection {
    /// sgemm 256×256×256 with the kernels pdfemu chooses, against OpenBLAS's misdetected Prescott
    /// kernels and against OpenBLAS's own default, each loaded in a child process.
    static let sgemm = BenchSection(
        name: "sgemm",
        summary: "sgemm 256x256x256 GFLOP/s: pdfemu's kernel choice vs Prescott vs OpenBLAS default",
        run: SgemmBench.run,
        child: SgemmBench.child)
}

/// The sgemm section.
enum SgemmBench {
    static let size = 256
    /// Rounds: each configuration is measured once per round, interleaved, so drifts in machine load
    /// hit all of them alike.
    static let rounds = 5
    /// Timed samples per measurement (each ≥ `sampleSeconds`); the measurement is their median.
    static let samples = 9
    static let sampleSeconds = 0.03
    /// GFLOP/s of pdfemu's own kernel choice (in this process) by thread count, as this run measured it;
    /// the train section reads it to give training's share of the sgemm peak.
    nonisolated(unsafe) static var measured: [Int: Double] = [:]

    /// This run's sgemm GFLOP/s at `threads` (measured now, median of 3, if the sgemm section did not run).
    static func peak(threads: Int) throws -> Double {
        if let g = measured[threads] { return g }
        let g = median(try (0..<3).map { _ in try measure(threads: threads).gflops })
        measured[threads] = g
        return g
    }

    /// One measurement, as a child prints it.
    struct Result: Codable {
        var kernel: String
        var coretype: String
        var chosenByPDFEmu: Bool
        var threads: Int
        var gflops: Double
        var otherLoad: Double?
    }

    /// One configuration of the comparison.
    struct Config {
        var label: String
        var environment: [String: String?]?  // nil: in this process
    }

    /// Measures sgemm in the current process with `threads` OpenBLAS threads.
    static func measure(threads: Int) throws -> Result {
        let info = try BLAS.info()
        BLAS.setThreads(threads)
        let load = MachineLoad()
        let rates = GemmPeak.rates(Float.self, n: size, batchSeconds: sampleSeconds, samples: samples)
        return Result(kernel: info.kernel, coretype: info.coretype, chosenByPDFEmu: info.coretypeChosenByPDFEmu,
                      threads: threads, gflops: median(rates), otherLoad: load.otherFraction())
    }

    /// Child entry: `--child sgemm THREADS`.
    static func child(_ args: [String]) throws -> String {
        guard let threads = args.first.flatMap(Int.init), threads > 0 else { throw BenchError("sgemm child needs THREADS") }
        let data = try JSONEncoder().encode(try measure(threads: threads))
        return String(decoding: data, as: UTF8.self)
    }

    static func run() throws {
        let info = try BLAS.info()
        let maxThreads = info.threads
        let configs = [
            // In this process: pdfemu's choice, unless the user set OPENBLAS_CORETYPE.
            Config(label: info.coretypeChosenByPDFEmu ? "pdfemu's choice"
                       : (info.coretype.isEmpty ? "this process (no choice)" : "user's OPENBLAS_CORETYPE"),
                   environment: nil),
            Config(label: "OPENBLAS_CORETYPE=Prescott", environment: ["OPENBLAS_CORETYPE": "Prescott",
                                                                       "PDFEMU_BLAS_NO_CORETYPE": nil]),
            Config(label: "OpenBLAS default", environment: ["OPENBLAS_CORETYPE": nil, "PDFEMU_BLAS_NO_CORETYPE": "1"]),
        ]
        let threadCounts = maxThreads > 1 ? [1, maxThreads] : [1]
        print("single precision, row-major C = A·B, \(size)×\(size)×\(size) (\(fixed(2 * pow(Double(size), 3) / 1e6, 1)) MFLOP per call);")
        print("median of \(rounds) interleaved rounds, each the median of \(samples) samples of ≥ \(Int(sampleSeconds * 1000)) ms")
        for threads in threadCounts {
            var results = [[Result]](repeating: [], count: configs.count)
            for _ in 0..<rounds {
                for (k, config) in configs.enumerated() {
                    if let env = config.environment {
                        let data = try runChild(section: "sgemm", arguments: [String(threads)], environment: env)
                        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
                        results[k].append(try JSONDecoder().decode(Result.self, from: Data(line.utf8)))
                    } else {
                        results[k].append(try measure(threads: threads))
                    }
                }
            }
            print("\nthreads: \(threads)")
            print(pad("configuration", 28) + pad("kernel", 12) + pad("GFLOP/s", 10, right: true)
                  + pad("each round", 32, right: true) + pad("pdfemu/this", 13, right: true)
                  + pad("other load", 12, right: true))
            let base = median(results[0].map(\.gflops))
            if configs[0].environment == nil { measured[threads] = base }
            for (k, config) in configs.enumerated() {
                let rs = results[k]
                let g = median(rs.map(\.gflops))
                let loads = rs.compactMap(\.otherLoad)
                let load = loads.isEmpty ? "n/a" : fixed(100 * (loads.max() ?? 0), 1) + "%"
                print(pad(config.label, 28) + pad(rs[0].kernel, 12) + pad(fixed(g, 1), 10, right: true)
                      + pad(rs.map { fixed($0.gflops, 1) }.joined(separator: " "), 32, right: true)
                      + pad(k == 0 ? "1.00" : fixed(base / g, 2), 13, right: true) + pad(load, 12, right: true))
            }
        }
        print("\n(other load: the largest share of all cores' time used by other processes during a measurement;")
        print(" well above ~5% means the figures were disturbed: rerun on a quiet machine.)")
    }
}
