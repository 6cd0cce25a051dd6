import Foundation
import PDFEmu

extension BenchSection {
    /// Training throughput against the PyTorch peer on the same synthetic scan.
    static let train = BenchSection(
        name: "train",
        summary: "training samples/s, 14→{128,256}×3 tanh→sum-of-squares head, Adam, float32, batch 256 (1 and 2 members) and 32, 2 threads: pdfemu vs PyTorch",
        run: TrainBench.run, child: nil)
}

/// The train section.
enum TrainBench {
    /// (hidden width, batch size, ensemble members) of each row, each with 3 hidden layers and the default
    /// sum-of-squares head on both sides (the peer through bench/peer_head.py).
    static let cases: [(hidden: Int, batch: Int, members: Int, goal: Double)] =
        [(128, 256, 1, 2), (128, 256, 2, 2), (256, 256, 1, 2), (256, 256, 2, 2), (128, 32, 1, 5), (256, 32, 1, 5)]
    static let n = 100_000, p = 14, threads = 2

    /// One side's figures in one round: samples/s and other-process load of each epoch.
    struct Side { var rates: [Double]; var loads: [Double] }

    /// Floating-point operations per training sample (`MLPArchitecture.trainingFlopsPerSample`).
    static func flopsPerSample(_ arch: MLPArchitecture) -> Double { arch.trainingFlopsPerSample }

    /// pdfemu: `epochs` epochs of `Trainer` for `members` members, as a fit trains them (data loading and
    /// scaling not timed): one member with each batch split over the threads; more members together, each on
    /// its own thread (`Trainer.trainTogether`). One figure per epoch: the time between the ends of a member's
    /// consecutive epochs (shuffling and validation included), in member-samples per second summed over the
    /// members (epoch e of every member).
    static func pdfemu(scan: ScanData, file: String, hidden: Int, batch: Int, epochs: Int, members: Int = 1) throws -> (Side, Int) {
        var config = BenchData.config(file: file, hidden: [hidden, hidden, hidden], batch: batch, epochs: epochs)
        config.members = members
        config.threads = threads
        BLAS.setThreads(threads)
        let data = try TrainingData<Float>(scan: scan, config: config)
        let trainer = Trainer<Float>(config: config, data: data, scan: scan)
        let rows = data.trainRows.count
        let ids = Array(0..<members)
        var rates = [[Double]](repeating: [], count: members), loads = rates
        var load = [MachineLoad](repeating: MachineLoad(), count: members)
        var t0 = [Double](repeating: now(), count: members)
        _ = trainer.trainTogether(members: ids, from: ids.map { trainer.initialState(member: $0) }, timeBudget: 0, progress: { p in
            let k = p.member, t = now()
            rates[k].append(Double(rows) / (t - t0[k]))
            loads[k].append(load[k].otherFraction() ?? .nan)
            load[k] = MachineLoad()
            t0[k] = now()
        }, checkpoint: { _, _ in }, shouldStop: { false })
        var side = Side(rates: [], loads: [])
        for e in 0..<epochs {
            side.rates.append(rates.reduce(0) { $0 + $1[e] })
            side.loads.append(loads.map { $0[e] }.max() ?? .nan)
        }
        return (side, rows)
    }

    static func run() throws {
        let rounds = BenchData.knob("PDFEMU_BENCH_ROUNDS", 2)
        let epochs = BenchData.knob("PDFEMU_BENCH_EPOCHS", 3)
        let file = try BenchData.synthetic(n: n, p: p)
        let scan = try BenchData.scan(file)
        let peak = try SgemmBench.peak(threads: threads)
        let peerMissing = Peer.unavailable
        print("data: \(file) (N = \(scan.count), P = \(scan.parameterCount)); 90% training points; \(epochs) epochs per run, "
              + "\(rounds) rounds, pdfemu and peer interleaved; figure = median over all undisturbed epochs (all epochs if none is)")
        print("sgemm peak of this run (256³, \(threads) threads, pdfemu's kernels): \(fixed(peak, 1)) GFLOP/s")
        if let peerMissing { print("peer not run: \(peerMissing)") }
        print(pad("network", 16) + pad("batch", 6, right: true) + pad("members", 8, right: true) + pad("pdfemu/s", 11, right: true) + pad("peer/s", 11, right: true)
              + pad("pdfemu/peer", 13, right: true) + pad("goal", 6, right: true) + pad("GFLOP/s", 9, right: true)
              + pad("% sgemm", 9, right: true) + pad("other load pdfemu | peer (max)", 33, right: true))
        var contaminated = false
        for c in cases {
            var mine = Side(rates: [], loads: []), peer = Side(rates: [], loads: [])
            var peerError: String?
            var trainRows = 0
            // The peer trains one network at a time: its rows for 2 members are its 1-member runs (reused when made).
            let cached = Peer.cache["\(c.hidden)/\(c.batch)/\(epochs)"] ?? []
            if c.members > 1 { for r in cached { peer.rates += r.epochSamplesPerSecond; peer.loads += r.epochLoad } }
            for _ in 0..<rounds {
                if peerMissing == nil && peerError == nil && (c.members == 1 || cached.isEmpty) {
                    do {
                        let r = try Peer.run(data: file, hidden: c.hidden, batch: c.batch, epochs: epochs, threads: threads)
                        peer.rates += r.epochSamplesPerSecond
                        peer.loads += r.epochLoad
                        Peer.cache["\(c.hidden)/\(c.batch)/\(epochs)", default: []].append(r)
                    } catch { peerError = "\(error)" }
                }
                let (s, rows) = try pdfemu(scan: scan, file: file, hidden: c.hidden, batch: c.batch, epochs: epochs, members: c.members)
                mine.rates += s.rates
                mine.loads += s.loads
                trainRows = rows
            }
            let arch = MLPArchitecture(inputs: p, hidden: [c.hidden, c.hidden, c.hidden], outputs: 1, activation: .tanh,
                                       outputStructure: .sumOfSquares, components: Peer.defaultComponents)
            let a = robustMedian(mine), b = robustMedian(peer)
            let gflops = a.value * flopsPerSample(arch) * 1e-9
            contaminated = contaminated || a.contaminated || b.contaminated
            let ratio = a.value / b.value
            print(pad("\(p)→\(c.hidden)×3→sos", 16) + pad(String(c.batch), 6, right: true) + pad(String(c.members), 8, right: true)
                  + pad(rateText(a.value), 11, right: true) + pad(rateText(b.value), 11, right: true)
                  + pad(ratio.isFinite ? fixed(ratio, 2) + "×" : "n/a", 13, right: true)
                  + pad("≥\(Int(c.goal))×", 6, right: true) + pad(fixed(gflops, 1), 9, right: true)
                  + pad(fixed(100 * gflops / peak, 0) + "%", 9, right: true)
                  + pad(loadText(mine.loads.max()) + " | " + loadText(peer.loads.max()), 33, right: true))
            if let peerError { print("  peer failed: \(peerError)") }
            if trainRows > 0 && !peer.rates.isEmpty {
                print("  per epoch: pdfemu " + mine.rates.map { rateText($0) }.joined(separator: ", ")
                      + "; peer " + peer.rates.map { rateText($0) }.joined(separator: ", "))
            }
        }
        print("(samples/s: training points per second of one epoch, summed over the members: one member splits each batch over")
        print(" the 2 threads, two members train together, one per thread), forward + backward + Adam step; GFLOP/s counts the")
        print(" forward and backward GEMMs, \(Int(flopsPerSample(MLPArchitecture(inputs: p, hidden: [128, 128, 128], outputs: 1, activation: .tanh, outputStructure: .sumOfSquares, components: Peer.defaultComponents)) / 1000)) kFLOP/sample for 128×3, "
              + "\(Int(flopsPerSample(MLPArchitecture(inputs: p, hidden: [256, 256, 256], outputs: 1, activation: .tanh, outputStructure: .sumOfSquares, components: Peer.defaultComponents)) / 1000)) kFLOP/sample for 256×3.)")
        if contaminated {
            print("* other processes used > 5% of the machine during some epochs: those figures are contaminated; the medians use")
            print("  only undisturbed epochs when there are any. Rerun on a quiet machine for figures to quote.")
        }
    }
}

/// Median of the figures whose load was ≤ 5% (all figures if none was), and whether any used figure was disturbed.
func robustMedian(_ s: TrainBench.Side) -> (value: Double, contaminated: Bool) {
    let quiet = zip(s.rates, s.loads).filter { $0.1.isFinite && $0.1 <= contaminationThreshold }.map(\.0)
    if !quiet.isEmpty { return (median(quiet), false) }
    return (median(s.rates), !s.rates.isEmpty)
}
