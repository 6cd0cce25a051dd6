import Foundation
import PDFEmu

extension BenchSection {
    /// Profile-likelihood scans against the peer's scipy L-BFGS-B and iminuit MIGRAD scans.
    static let profile = BenchSection(
        name: "profile",
        summary: "41-point profile of one parameter, 14→128×3 tanh→sum-of-squares head, same weights: pdfemu ScanRunner vs scipy L-BFGS-B and iminuit; all 14 profiles in one call (points/s)",
        run: ProfileBench.run, child: nil)
}

/// The profile section. pdfemu trains one emulator 14→128×3 tanh→1 (float32, linear Δχ² target) on the
/// synthetic scan; its weights and scalers are written into a PyTorch checkpoint that torch_fit.py
/// loads with --load-model, so both tools profile the identical network. The grid follows the peer's
/// rule (best scan point ± 2 × the data's standard deviation of the parameter, 41 points), the other
/// parameters are bounded by the data's box, and each grid point is warm-started from its neighbour,
/// walking outwards from the minimum. Timed: the grid points only (the global minimisation before
/// them excluded on both sides: the peer's scan "seconds", pdfemu's `ScanTiming.unitSeconds`).
enum ProfileBench {
    static let hidden = 128, points = 41, halfwidth = 2.0, parameter = 0
    /// pdfemu profiles timed per round (median taken).
    static let repeats = 3

    /// The peer's grid rule and box, computed from the scan: per parameter, the grid range
    /// best ± halfwidth·σ (σ over all points, ddof 0, as numpy) and the bounds [min, max] of the data,
    /// widened to the grid range when it reaches outside (the peer does not bound the scanned parameter).
    struct Setup {
        var ranges: [ValueRange]
        var bounds: [ValueRange]
        var widened: [Int]
    }

    static func setup(_ scan: ScanData) -> Setup {
        let p = scan.parameterCount, n = scan.count
        let best = scan.point(scan.bestIndex)
        var ranges: [ValueRange] = [], bounds: [ValueRange] = [], widened: [Int] = []
        for j in 0..<p {
            var mean = 0.0, lo = Double.infinity, hi = -Double.infinity
            for i in 0..<n { let v = scan.parameters[i * p + j]; mean += v; lo = min(lo, v); hi = max(hi, v) }
            mean /= Double(n)
            var ss = 0.0
            for i in 0..<n { let d = scan.parameters[i * p + j] - mean; ss += d * d }
            let half = halfwidth * (ss / Double(n)).squareRoot()
            let r = ValueRange(lower: best[j] - half, upper: best[j] + half)
            ranges.append(r)
            if r.lower < lo || r.upper > hi { widened.append(j) }
            bounds.append(ValueRange(lower: min(lo, r.lower), upper: max(hi, r.upper)))
        }
        return Setup(ranges: ranges, bounds: bounds, widened: widened)
    }

    /// Scan options: profiles of `params` on the peer's grid, box bounds, no crossing refinement (the
    /// peer minimises at the 41 grid points only), one start for the global minimum (the best point).
    static func options(names: [String], setup: Setup, params: [Int]) -> ScanOptions {
        var o = ScanOptions(profileParameters: params.map { names[$0] }, tolerances: [1], points: points,
                            starts: 1, refineCrossings: false)
        for j in names.indices { o.bounds[names[j]] = setup.bounds[j] }
        for j in params { o.ranges[names[j]] = setup.ranges[j] }
        return o
    }

    /// The emulator: `epochs` epochs through `FitRunner` with a linear target (the peer's output form).
    static func emulator(file: String, epochs: Int) throws -> Emulator {
        var config = BenchData.config(file: file, hidden: [hidden, hidden, hidden], batch: 256, epochs: epochs,
                                      validation: 0.05, test: 0.05)
        config.targetTransform = .linear
        let result = try FitRunner.run(config: config, options: FitOptions(output: config.output))
        try? FileManager.default.removeItem(atPath: config.output)
        return result.emulator
    }

    /// Writes `emu`'s network as a torch_fit.py checkpoint (state_dict of its nn.Sequential, xm, amat,
    /// ym, ys) at `path`: χ²(θ) = ym + ys·mlp((θ − xm)·amat), amat the transpose of pdfemu's input matrix.
    static func exportToPeer(_ emu: Emulator, path: String) throws {
        guard emu.members.count == 1, let net = emu.members.first, net.outputShift.count == 1,
              net.outputLogScale[0] == 0 else {
            throw BenchError("profile: the emulator must be one member with one linear output to export to the peer")
        }
        let p = emu.parameterNames.count
        var tensors: [[Any]] = []
        let layerCount = net.architecture.layers.count
        for t in net.architecture.tensors {
            // pdfemu "layers.i.weight" [fanOut, fanIn] is nn.Sequential's "(2i).weight": Linear layers sit at even
            // indices; a sum of squares' "head.offset" is bench/peer_head.py's head module after the last Linear.
            let parts = t.name.split(separator: ".")
            let key: String
            if t.name == "head.offset" {
                key = "\(2 * layerCount - 1).offset"
            } else {
                guard parts.count == 3, parts[0] == "layers", let i = Int(parts[1]) else { throw BenchError("profile: unexpected tensor \(t.name)") }
                key = "\(2 * i).\(parts[2])"
            }
            tensors.append([key, t.shape, Array(net.weights[t.offset..<(t.offset + t.count)])])
        }
        var amat = [Double](repeating: 0, count: p * p)
        for i in 0..<p { for j in 0..<p { amat[j * p + i] = net.inputTransform[i * p + j] } }
        let json = path + ".json"
        defer { try? FileManager.default.removeItem(atPath: json) }
        let object: [String: Any] = ["tensors": tensors, "xm": net.inputMean, "amat": amat, "p": p,
                                     "ym": net.outputShift[0], "ys": net.outputScale[0]]
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: json))
        let script = """
            import json, sys, collections, numpy as np, torch
            d = json.load(open(sys.argv[1]))
            sd = collections.OrderedDict((k, torch.tensor(np.asarray(v, dtype=np.float32).reshape(s))) for k, s, v in d["tensors"])
            p = d["p"]
            torch.save(dict(state_dict=sd, xm=np.asarray(d["xm"]), amat=np.asarray(d["amat"]).reshape(p, p),
                            ym=float(d["ym"]), ys=float(d["ys"]), config={"source": "pdfemu-bench profile"}), sys.argv[2])
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Peer.python)
        process.arguments = ["-c", script, json, path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("profile: writing the peer checkpoint \(path) failed") }
    }

    /// pdfemu's single profile: median unit seconds of `repeats` ScanRunner runs, converged points,
    /// model evaluations, the profile (χ²) and the load.
    struct Single { var seconds: Double; var converged: Int; var evaluations: Int; var chi2: [Double]; var minimum: Double; var load: Double }

    static func single(_ emu: Emulator, _ opts: ScanOptions) throws -> Single {
        BLAS.setThreads(1)
        var ts: [Double] = []
        var last: ScanResult?
        let load = MachineLoad()
        for _ in 0..<repeats {
            let r = try ScanRunner.run(model: emu, options: opts)
            ts.append(r.timing?.unitSeconds ?? .nan)
            last = r
        }
        let l = load.otherFraction() ?? .nan
        guard let r = last, let prof = r.profiles.first else { throw BenchError("profile: ScanRunner returned no profile") }
        return Single(seconds: median(ts), converged: prof.converged.filter { $0 }.count,
                      evaluations: r.timing?.modelEvaluations ?? 0, chi2: prof.deltaChi2.map { $0 + r.minimum.chi2 },
                      minimum: r.minimum.chi2, load: l)
    }

    /// All profiles in one ScanRunner call (units in parallel on all cores): unit seconds, points, converged.
    struct All { var seconds: Double; var points: Int; var converged: Int; var load: Double }

    static func all(_ emu: Emulator, _ opts: ScanOptions) throws -> All {
        BLAS.setThreads(1)
        let load = MachineLoad()
        let r = try ScanRunner.run(model: emu, options: opts)
        let l = load.otherFraction() ?? .nan
        return All(seconds: r.timing?.unitSeconds ?? .nan, points: r.timing?.profiledPoints ?? 0,
                   converged: r.profiles.reduce(0) { $0 + $1.converged.filter { $0 }.count }, load: l)
    }

    static func run() throws {
        let rounds = BenchData.knob("PDFEMU_BENCH_ROUNDS", 3)
        let epochs = BenchData.knob("PDFEMU_BENCH_PROFILE_EPOCHS", 5)
        let file = try BenchData.synthetic(n: TrainBench.n, p: TrainBench.p)
        let scan = try BenchData.scan(file)
        let names = scan.parameterNames
        let p = names.count
        let s = setup(scan)
        let emu = try emulator(file: file, epochs: epochs)
        let name = names[parameter]
        let r = s.ranges[parameter]
        print("data: \(file) (N = \(scan.count), P = \(p)); network \(p)→\(hidden)×3 tanh→\(emu.architecture.networkOutputs) with the default "
              + "\(emu.architecture.outputStructure.rawValue) head, float32, trained once by pdfemu "
              + "(\(epochs) epochs, linear Δχ² target);")
        print("IDENTICAL WEIGHTS: the peer loads pdfemu's network and scalers (--load-model), so both profile the same function")
        print("(pdfemu evaluates it in double precision over the float32 weights, torch in float32).")
        print("profile of \(name): \(points) points on [\(fixed(r.lower, 4)), \(fixed(r.upper, 4))] = best scan point ± \(fixed(halfwidth, 0))σ "
              + "(the peer's --scan-halfwidth rule); other parameters bounded by the data's box; warm starts outwards from the minimum;")
        print("timed: the grid minimisations only (global minimisation excluded on both sides); pdfemu 1 thread "
              + "(ScanRunner, Newton with exact Hessian, median of \(repeats)), peer 1 torch thread; \(rounds) rounds, interleaved")
        if !s.widened.isEmpty {
            print("(bounds of " + s.widened.map { names[$0] }.joined(separator: ", ") + " widened to their grid range, which leaves the data's box)")
        }
        let peerMissing = Peer.unavailable
        var checkpoint: String?
        if peerMissing == nil {
            let path = try BenchData.scratch("peer") + "/profile-\(ProcessInfo.processInfo.processIdentifier).pt"
            try exportToPeer(emu, path: path)
            checkpoint = path
        } else {
            print("peer not run: \(peerMissing!)")
        }
        defer { if let checkpoint { try? FileManager.default.removeItem(atPath: checkpoint) } }

        let oneOpts = options(names: names, setup: s, params: [parameter])
        let allOpts = options(names: names, setup: s, params: Array(0..<p))
        var mine = TrainBench.Side(rates: [], loads: []), sci = TrainBench.Side(rates: [], loads: [])
        var imi = TrainBench.Side(rates: [], loads: [])
        var allSide = TrainBench.Side(rates: [], loads: [])
        var mineConv: [Int] = [], sciConv: [Int] = [], imiConv: [Int] = [], allConv: [Int] = []
        var sciCalls: [Int] = [], imiCalls: [String] = [], mineEvals: [Int] = []
        var allPoints = 0
        var peerError: String?
        var profileGap: Double?
        var deltaRange = (Double.nan, Double.nan)
        var gridGap: Double?
        for round in 0..<rounds {
            if let checkpoint, peerError == nil {
                do {
                    let pr = try Peer.run(data: file, hidden: hidden, batch: 256, epochs: 1, threads: 1, latencyCalls: 300,
                                          scanPoints: points, iminuit: true, sosComponents: emu.architecture.outputStructure == .sumOfSquares ? emu.architecture.components : 0,
                                          extra: ["--load-model", checkpoint, "--scan-param", String(parameter),
                                                  "--scan-halfwidth", String(halfwidth), "--bounds", "box", "--infer-n", "10000"])
                    if let sc = pr.scipyScan {
                        sci.rates.append(sc.seconds); sci.loads.append(sc.load); sciConv.append(sc.converged)
                        sciCalls.append(sc.evaluations)
                    }
                    if let im = pr.iminuitScan {
                        imi.rates.append(im.seconds); imi.loads.append(im.load); imiConv.append(im.converged)
                        imiCalls.append("\(im.evaluations)+\(im.gradientEvaluations)")
                    }
                    if round == 0, pr.scanGrid.count == points {
                        gridGap = (0..<points).map { abs(pr.scanGrid[$0] - (r.lower + (r.upper - r.lower) * Double($0) / Double(points - 1))) }.max()
                        if let sc = pr.scipyScan, sc.profile.count == points {
                            let m = try single(emu, oneOpts)
                            profileGap = zip(m.chi2, sc.profile).map { abs($0 - $1) }.max()
                            let deltas = m.chi2.map { $0 - m.minimum }
                            deltaRange = (deltas.min() ?? .nan, deltas.max() ?? .nan)
                        }
                    }
                } catch { peerError = "\(error)" }
            }
            let m = try single(emu, oneOpts)
            mine.rates.append(m.seconds); mine.loads.append(m.load); mineConv.append(m.converged); mineEvals.append(m.evaluations)
            let a = try all(emu, allOpts)
            allSide.rates.append(a.seconds); allSide.loads.append(a.load); allConv.append(a.converged); allPoints = a.points
        }
        let a = robustMedian(mine), b = robustMedian(sci), c = robustMedian(imi), d = robustMedian(allSide)
        let contaminated = a.contaminated || b.contaminated || c.contaminated || d.contaminated
        func secs(_ x: Double) -> String { x.isFinite ? (x < 1 ? fixed(x * 1e3, 1) + " ms" : fixed(x, 2) + " s") : "n/a" }
        func ratio(_ x: Double) -> String { x.isFinite ? fixed(x, 1) + "×" : "n/a" }
        func conv(_ x: [Int]) -> String { x.isEmpty ? "n/a" : x.map { "\($0)/\(points)" }.joined(separator: ", ") }
        print(pad("tool", 28) + pad("seconds (median)", 18, right: true) + pad("pdfemu speed-up", 17, right: true)
              + pad("goal", 6, right: true) + pad("converged per round", 26, right: true)
              + pad("other load (max)", 18, right: true))
        print(pad("pdfemu ScanRunner", 28) + pad(secs(a.value), 18, right: true) + pad("—", 17, right: true) + pad("", 6)
              + pad(conv(mineConv), 26, right: true) + pad(loadText(mine.loads.max()), 18, right: true))
        print(pad("peer scipy L-BFGS-B", 28) + pad(secs(b.value), 18, right: true) + pad(ratio(b.value / a.value), 17, right: true)
              + pad("≥50×", 6, right: true) + pad(conv(sciConv), 26, right: true) + pad(loadText(sci.loads.max()), 18, right: true))
        print(pad("peer iminuit MIGRAD (str. 0)", 28) + pad(secs(c.value), 18, right: true) + pad(ratio(c.value / a.value), 17, right: true)
              + pad("", 6) + pad(conv(imiConv), 26, right: true) + pad(loadText(imi.loads.max()), 18, right: true))
        print("  model calls per profile: pdfemu \(mineEvals.map(String.init).joined(separator: ", ")) value+gradient+Hessian "
              + "(plus one prediction and domain check per point); scipy \(sciCalls.map(String.init).joined(separator: ", ")) "
              + "value+gradient; iminuit \(imiCalls.joined(separator: ", ")) value + gradient")
        print("  per round: pdfemu " + mine.rates.map(secs).joined(separator: ", ") + "; scipy " + sci.rates.map(secs).joined(separator: ", ")
              + "; iminuit " + imi.rates.map(secs).joined(separator: ", "))
        if let gridGap { print("  grids agree: max |pdfemu grid − peer grid| = \(String(format: "%.2e", gridGap))") }
        if let profileGap {
            print("  same network, same grid: max |pdfemu χ² − scipy χ²| over the \(points) profiled points = \(fixed(profileGap, 4)) "
                  + "(the grid spans Δχ² = \(fixed(deltaRange.0, 2))…\(fixed(deltaRange.1, 2)) above pdfemu's minimum)")
        }
        if let peerError { print("  peer failed: \(peerError)") }
        print("all \(p) profiles × \(points) points in one ScanRunner call (units in parallel, \(ProcessInfo.processInfo.activeProcessorCount) cores, "
              + "BLAS 1 thread): \(secs(d.value)) median → \(fixed(Double(allPoints) / d.value, 0)) profiled points/s; converged "
              + allConv.map { "\($0)/\(allPoints)" }.joined(separator: ", ") + "; other load (max) \(loadText(allSide.loads.max()))")
        if contaminated {
            print("* other processes used > 5% of the machine during some timings: those figures are contaminated; medians use")
            print("  only undisturbed rounds when there are any. Rerun on a quiet machine for figures to quote.")
        }
    }
}
