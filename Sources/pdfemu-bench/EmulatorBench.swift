import Foundation
import PDFEmu

extension BenchSection {
    /// Batched inference throughput against the PyTorch peer.
    static let infer = BenchSection(
        name: "infer",
        summary: "batched inference points/s (chunks of 4096, best of 5), 14→{128,256}×3 tanh→1, 2 threads: pdfemu vs PyTorch",
        run: EmulatorBench.runInfer, child: nil)
    /// One-point χ² + gradient latency against the PyTorch peer.
    static let point = BenchSection(
        name: "point",
        summary: "one χ²+gradient call, median µs, 14→{128,256}×3 tanh→1: pdfemu's Emulator vs PyTorch autograd",
        run: EmulatorBench.runPoint, child: nil)
}

/// The infer and point sections: an emulator of the peer's architecture, trained for one epoch on the
/// same synthetic scan through `FitRunner` (the `pdfemu fit` path), against torch_fit.py runs of one
/// epoch whose inference and latency figures both sections share.
enum EmulatorBench {
    static let widths = [128, 256]
    static let inferPoints = 100_000
    static let pointCalls = 20_000

    nonisolated(unsafe) static var emulators: [Int: Emulator] = [:]

    /// A one-epoch emulator 14→hidden×3 tanh→1 (float32) on the synthetic scan.
    static func emulator(hidden: Int, file: String) throws -> Emulator {
        if let e = emulators[hidden] { return e }
        let config = BenchData.config(file: file, hidden: [hidden, hidden, hidden], batch: 256, epochs: 1,
                                      validation: 0.05, test: 0.05)
        let result = try FitRunner.run(config: config, options: FitOptions(output: config.output))
        try? FileManager.default.removeItem(atPath: config.output)
        emulators[hidden] = result.emulator
        return result.emulator
    }

    /// The peer's run number `round` for `hidden` (one epoch, batch 256): made now unless an earlier
    /// section of this process made it.
    static func peer(hidden: Int, round: Int, file: String) -> (Peer.Result?, reused: Bool, error: String?) {
        let key = "\(hidden)/256/1"
        if let list = Peer.cache[key], list.count > round { return (list[round], true, nil) }
        if let why = Peer.unavailable { return (nil, false, why) }
        do {
            let r = try Peer.run(data: file, hidden: hidden, batch: 256, epochs: 1, threads: TrainBench.threads)
            Peer.cache[key, default: []].append(r)
            return (r, false, nil)
        } catch { return (nil, false, "\(error)") }
    }

    /// pdfemu: `predictBatch` of `inferPoints` scan points (4096-row chunks inside), best of 5, 2 threads.
    static func infer(_ emu: Emulator, thetas: [Double]) -> (rate: Double, load: Double) {
        BLAS.setThreads(TrainBench.threads)
        _ = emu.predictBatch(Array(thetas.prefix(1000 * emu.parameterNames.count)))  // warm-up
        let load = MachineLoad()
        var best = Double.infinity
        for _ in 0..<5 {
            let t0 = now()
            let r = emu.predictBatch(thetas)
            best = min(best, now() - t0)
            precondition(r.value.count == inferPoints)
        }
        return (Double(inferPoints) / best, load.otherFraction() ?? .nan)
    }

    /// pdfemu: median µs of `Emulator.valueAndGradient(at:)` at the best scan point.
    static func point(_ emu: Emulator, at x0: [Double]) -> (us: Double, load: Double) {
        var sink = 0.0
        for _ in 0..<300 { sink += emu.valueAndGradient(at: x0).value }
        let load = MachineLoad()
        var ts = [Double](repeating: 0, count: pointCalls)
        for i in 0..<pointCalls {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let r = emu.valueAndGradient(at: x0)
            ts[i] = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-3
            sink += r.gradient[0]
        }
        if sink.isNaN { print("(NaN)") }
        return (median(ts), load.otherFraction() ?? .nan)
    }

    static func inputs() throws -> (file: String, scan: ScanData) {
        let file = try BenchData.synthetic(n: TrainBench.n, p: TrainBench.p)
        return (file, try BenchData.scan(file))
    }

    static func runInfer() throws {
        let rounds = BenchData.knob("PDFEMU_BENCH_ROUNDS", 2)
        let (file, scan) = try inputs()
        var rng = SeededGenerator(seed: 7)
        var thetas: [Double] = []
        thetas.reserveCapacity(inferPoints * scan.parameterCount)
        for _ in 0..<inferPoints { thetas += scan.point(Int(rng.next() % UInt64(scan.count))) }
        print("\(inferPoints) scan points in one call (pdfemu: Emulator.predictBatch, float32, 4096-row chunks inside; peer:")
        print("its Surrogate on 4096-row slices); each figure the best of 5 passes; \(rounds) rounds, interleaved")
        print(pad("network", 16) + pad("pdfemu pts/s", 14, right: true) + pad("peer pts/s", 12, right: true)
              + pad("pdfemu/peer", 13, right: true) + pad("goal", 6, right: true)
              + pad("other load pdfemu | peer (max)", 33, right: true))
        var contaminated = false
        for h in widths {
            let emu = try emulator(hidden: h, file: file)
            var mine: [Double] = [], mineLoad: [Double] = [], theirs: [Double] = [], theirLoad: [Double] = []
            var notes: [String] = []
            for r in 0..<rounds {
                let (pr, reused, err) = peer(hidden: h, round: r, file: file)
                if let v = pr?.inferencePointsPerSecond { theirs.append(v); theirLoad.append(pr?.inferenceLoad ?? .nan) }
                if reused { notes.append("peer round \(r + 1) from an earlier section's run") }
                if let err { notes.append("peer: " + err) }
                let m = infer(emu, thetas: thetas)
                mine.append(m.rate)
                mineLoad.append(m.load)
            }
            let a = robustMedian(.init(rates: mine, loads: mineLoad)), b = robustMedian(.init(rates: theirs, loads: theirLoad))
            contaminated = contaminated || a.contaminated || b.contaminated
            let ratio = a.value / b.value
            print(pad("\(TrainBench.p)→\(h)×3→1", 16) + pad(rateText(a.value), 14, right: true) + pad(rateText(b.value), 12, right: true)
                  + pad(ratio.isFinite ? fixed(ratio, 2) + "×" : "n/a", 13, right: true) + pad("≥2×", 6, right: true)
                  + pad(loadText(mineLoad.max()) + " | " + loadText(theirLoad.max()), 33, right: true))
            for n in Set(notes).sorted() { print("  " + n) }
        }
        if contaminated { print("* disturbed by other processes (> 5% of the machine): rerun on a quiet machine for figures to quote.") }
    }

    static func runPoint() throws {
        let rounds = BenchData.knob("PDFEMU_BENCH_ROUNDS", 2)
        let (file, scan) = try inputs()
        let x0 = scan.point(scan.bestIndex)
        print("median µs of one value+gradient call at the scan's best point (pdfemu: Emulator.valueAndGradient(at:), Double")
        print("results, \(pointCalls) calls; peer: torch autograd forward+backward on one float32 row, float64 numpy in/out);")
        print("speed-up = peer µs / pdfemu µs (peer with 2 torch threads, its default here, and with 1); \(rounds) rounds, interleaved")
        print(pad("network", 16) + pad("pdfemu µs", 11, right: true) + pad("peer µs", 10, right: true)
              + pad("peer µs 1 thr", 15, right: true) + pad("speed-up", 10, right: true) + pad("vs 1 thr", 10, right: true)
              + pad("goal", 6, right: true)
              + pad("other load pdfemu | peer (max)", 33, right: true))
        var contaminated = false
        for h in widths {
            let emu = try emulator(hidden: h, file: file)
            var mine: [Double] = [], mineLoad: [Double] = [], theirs: [Double] = [], theirs1: [Double] = [], theirLoad: [Double] = []
            var notes: [String] = []
            for r in 0..<rounds {
                let (pr, reused, err) = peer(hidden: h, round: r, file: file)
                if let v = pr?.pointMicroseconds { theirs.append(v); theirLoad.append(pr?.pointLoad ?? .nan) }
                if let v = pr?.pointMicroseconds1Thread { theirs1.append(v) }
                if reused { notes.append("peer round \(r + 1) from an earlier section's run") }
                if let err { notes.append("peer: " + err) }
                let m = point(emu, at: x0)
                mine.append(m.us)
                mineLoad.append(m.load)
            }
            let a = robustMedian(.init(rates: mine, loads: mineLoad)), b = robustMedian(.init(rates: theirs, loads: theirLoad))
            contaminated = contaminated || a.contaminated || b.contaminated
            let speedup = b.value / a.value
            print(pad("\(TrainBench.p)→\(h)×3→1", 16) + pad(fixed(a.value, 2), 11, right: true) + pad(fixed(b.value, 1), 10, right: true)
                  + pad(theirs1.isEmpty ? "n/a" : fixed(median(theirs1), 1), 15, right: true)
                  + pad(speedup.isFinite ? fixed(speedup, 1) + "×" : "n/a", 10, right: true)
                  + pad(theirs1.isEmpty ? "n/a" : fixed(median(theirs1) / a.value, 1) + "×", 10, right: true)
                  + pad("≥50×", 6, right: true)
                  + pad(loadText(mineLoad.max()) + " | " + loadText(theirLoad.max()), 33, right: true))
            for n in Set(notes).sorted() { print("  " + n) }
        }
        if contaminated { print("* disturbed by other processes (> 5% of the machine): rerun on a quiet machine for figures to quote.") }
    }
}
