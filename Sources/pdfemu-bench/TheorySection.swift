import Foundation
import PDFEmu

extension BenchSection {
    /// The exact FK-table χ²: batched points/s (BLAS, all cores) and single-point µs per value,
    /// value+gradient and value+gradient+Hessian (one thread).
    static let theory = BenchSection(
        name: "theory",
        summary: "exact FK χ² (Datasets/hera_fk_nlo.h5): batched points/s; µs per value, value+gradient, +Hessian",
        run: TheoryBench.run,
        child: nil)
}

/// The theory section.
enum TheoryBench {
    static func run() throws {
        let load0 = now()
        let model = try FKChiSquare.read("Datasets/hera_fk_nlo.h5")
        print(String(format: "theory: load + Cholesky + QR reductions %.3f s (%d data points, %d free parameters)",
                     now() - load0, model.ndata, model.parameterNames.count))
        let scan = try BenchData.scan("Datasets/hera14_train.h5")
        BLAS.setThreads(1)   // as `pdfemu chi2`: the batch spreads its chunks over the cores
        let p = scan.parameterNames.count, n = scan.count
        let points = scan.parameters
        for perExperiment in [false, true] {
            _ = model.evaluateBatch(Array(points[0..<(2048 * p)]), perExperiment: perExperiment)   // warm-up
            var rates: [Double] = [], cpuRates: [Double] = []
            let load = MachineLoad()
            for _ in 0..<3 {
                let t0 = now(), c0 = processCPU()
                let r = model.evaluateBatch(points, perExperiment: perExperiment)
                rates.append(Double(r.value.count) / (now() - t0))
                cpuRates.append(Double(r.value.count) / (processCPU() - c0))
            }
            print(String(format: "theory: batched %d points%@: %.0f points/s wall, %.0f points per CPU-second "
                         + "(×%d cores = %.0f points/s unloaded; median of 3; other load %.0f%%)", n,
                         perExperiment ? " with per-experiment χ²" : " (total χ² only)", median(rates), median(cpuRates),
                         ProcessInfo.processInfo.activeProcessorCount,
                         median(cpuRates) * Double(ProcessInfo.processInfo.activeProcessorCount), 100 * (load.otherFraction() ?? .nan)))
        }
        try numpyComparison(model: model, points: points, p: p)
        let thetas = (0..<500).map { Array(points[($0 * p)..<(($0 + 1) * p)]) }
        /// Wall time and this thread's CPU time per call (CPU time is what other processes on a shared
        /// machine do not inflate, short of cache effects).
        func perCall(_ label: String, _ body: ([Double]) -> Double) {
            var sink = 0.0
            for t in thetas.prefix(50) { sink += body(t) }
            var walls: [Double] = [], cpus: [Double] = []
            for _ in 0..<5 {
                let t0 = now(), c0 = threadCPU()
                for t in thetas { sink += body(t) }
                walls.append((now() - t0) / Double(thetas.count))
                cpus.append((threadCPU() - c0) / Double(thetas.count))
            }
            print(String(format: "theory: %@ %.1f µs per call wall, %.1f µs thread CPU (median of 5 × %d calls, one thread)%@", label,
                         1e6 * median(walls), 1e6 * median(cpus), thetas.count, sink.isNaN ? " (NaN seen)" : ""))
        }
        perCall("PDFs only (parametrisation, sum rules)") { (try? model.pdfs(at: $0).get())?.basis[0] ?? .nan }
        perCall("PDFs with first derivatives") { (try? model.pdfs(at: $0, order: 1).get())?.basis[0] ?? .nan }
        perCall("value") { model.value(at: $0) }
        perCall("value+gradient") { model.valueAndGradient(at: $0).gradient[0] }
        perCall("value+gradient+exact Hessian") { model.valueGradientHessian(at: $0).hessian[0] }
        perCall("value+per-experiment (prediction)") { model.prediction(at: $0).perExperiment[0] }
    }
}

extension TheoryBench {
    /// The same points through the README's formulas in numpy/scipy (bench/theory_numpy.py, run by the peer's
    /// Python) and through pdfemu, one after the other in this run: the ratio of points/s, and both sides'
    /// agreement with the scan file's χ².
    static func numpyComparison(model: FKChiSquare, points: [Double], p: Int) throws {
        let n = min(20_000, points.count / p)
        let script = FileManager.default.currentDirectoryPath + "/bench/theory_numpy.py"
        guard FileManager.default.isExecutableFile(atPath: Peer.python) else {
            print("theory: numpy comparison skipped: no Python at \(Peer.python) (make peer, or set PDFEMU_PEER_PYTHON)")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Peer.python)
        process.arguments = [script, "Datasets/hera_fk_nlo.h5", "Datasets/hera14_train.h5", String(n)]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let raw = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let obj = try JSONSerialization.jsonObject(with: raw) as? [String: Any],
              let seconds = obj["seconds"] as? Double, let rel = obj["max_rel_vs_file"] as? Double else {
            throw BenchError("theory: \(script) failed (status \(process.terminationStatus))")
        }
        let subset = Array(points[0..<(n * p)])
        var times: [Double] = []
        for _ in 0..<3 {
            let t0 = now()
            _ = model.evaluateBatch(subset, perExperiment: false)
            times.append(now() - t0)
        }
        let ours = median(times)
        print(String(format: "theory: numpy/scipy formulas (README) %.0f points/s vs pdfemu %.0f points/s on the same %d points: "
                     + "%.1f× (median of 3 each; numpy agrees with the scan file's χ² to %.1e relative)",
                     Double(n) / seconds, Double(n) / ours, n, seconds / ours, rel))
    }
}

/// CPU time of the calling thread (s).
func threadCPU() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + 1e-9 * Double(ts.tv_nsec)
}

/// CPU time of the whole process, user + system (s).
func processCPU() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + 1e-9 * Double(ts.tv_nsec)
}
