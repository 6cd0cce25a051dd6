import Foundation
import PDFEmuCore
import PDFEmuIO

/// Options of one `fit` run beyond the config.
package struct FitOptions: Sendable {
    /// Emulator file to write (overrides the config's `output`).
    package var output: String
    /// Continue from the checkpoint beside the output.
    package var resume: Bool
    /// Seconds between checkpoint writes.
    package var checkpointInterval: Double
    /// Further inputs the output must not overwrite (label and path, e.g. the config file); the
    /// config's `data.files` are always protected.
    package var protectedInputs: [(label: String, path: String)]
    /// A previous emulator to fine-tune (nil: train from scratch). Used when its parameters, outputs
    /// and architecture match the new fit's (`FitRunner.warmStartMismatch`): each member starts from
    /// the previous member's weights (member k from member k mod M) and the previous scalers are kept,
    /// so the weights mean the same function; otherwise the fit starts from scratch and says why.
    package var warmStart: Emulator?
    /// Creates options.
    package init(output: String, resume: Bool = false, checkpointInterval: Double = 15,
                protectedInputs: [(label: String, path: String)] = [], warmStart: Emulator? = nil) {
        self.output = output
        self.resume = resume
        self.checkpointInterval = checkpointInterval
        self.protectedInputs = protectedInputs
        self.warmStart = warmStart
    }
}

/// The outcome of `fit`.
package struct FitResult: Sendable {
    /// The trained emulator (saved to the output path unless training diverged: a diverged fit
    /// writes nothing, so an existing emulator there is kept).
    package var emulator: Emulator
    /// The accuracy report on the test split.
    package var report: AccuracyReport
    /// True if training stopped early because the loss became NaN (`emulator` holds the best weights
    /// before it, but was not saved).
    package var diverged: Bool
    /// True if training was interrupted (the best weights so far were kept).
    package var interrupted: Bool
    /// True if the members started from a previous emulator's weights (`FitOptions.warmStart`).
    package var warmStarted = false
    /// Rows dropped while reading, and training rows dropped by `max_delta_chi2`.
    package var droppedRows: Int, droppedByCut: Int
}

/// Trains an emulator from a config: reads the scan, splits and scales it, trains each ensemble member
/// (checkpointing as it goes), measures the accuracy on the test split and writes the emulator file.
package enum FitRunner {
    /// The most network parameters per member a fit trains (about 270 MB per copy in float32).
    package static let maxTrainedParameters = 1 << 26

    /// The checkpoint file a fit writing `output` keeps beside it.
    package static func checkpointPath(for output: String) -> String { output + ".checkpoint.h5" }

    /// Runs a fit. `progress` receives per-epoch updates; `shouldStop` is polled (Ctrl-C).
    package static func run(config: FitConfig, options: FitOptions, log: (String) -> Void = { _ in },
                           progress: @escaping (TrainingProgress) -> Void = { _ in },
                           shouldStop: @escaping () -> Bool = { false }) throws -> FitResult {
        try BLAS.ensureLoaded()
        try AtomicOutput.validateWritable(options.output)
        try FileIdentity.refuseRepeats(config.files, what: "data.files")
        try FileIdentity.refuseOverwrite(output: options.output, inputs: config.files.map { ("data.files entry", $0) } + options.protectedInputs)
        let scan = try ScanReader.read(config.files, options: config.read)
        if config.targetIsChi2 == false && config.read.chi2 == nil {
            throw PDFEmuError(.key(file: nil, key: "data.target_dataset"), "give the dataset of the scalar to learn when target_is_chi2 is false")
        }
        log("read \(scan.count) points × \(scan.parameterCount) parameters" +
            (scan.experimentCount > 0 ? ", \(scan.experimentCount) experiments" : "") +
            (scan.droppedRows > 0 ? " (\(scan.droppedRows) rows with NaN/Inf dropped)" : ""))
        BLAS.setThreads(config.threads)
        if config.precision == .float64 { return try run(Double.self, scan: scan, config: config, options: options, log: log, progress: progress, shouldStop: shouldStop) }
        return try run(Float.self, scan: scan, config: config, options: options, log: log, progress: progress, shouldStop: shouldStop)
    }

    static func run<T: NNScalar>(_: T.Type, scan: ScanData, config: FitConfig, options: FitOptions, log: (String) -> Void,
                                 progress: @escaping (TrainingProgress) -> Void, shouldStop: @escaping () -> Bool) throws -> FitResult {
        var data = try TrainingData<T>(scan: scan, config: config)
        var warm: Emulator?
        if let previous = options.warmStart {
            if let why = warmStartMismatch(previous, scan: scan, config: config, data: data) {
                log("warm start skipped: \(why); training from scratch")
            } else {
                data.adopt(previous.scalers, scan: scan, config: config)
                warm = previous
                log("warm start from the previous emulator's \(previous.members.count) member(s) and scalers")
            }
        }
        log("split: \(data.trainRows.count) train, \(data.validationRows.count) validation, \(data.testRows.count) test"
            + (data.droppedByCut > 0 ? " (\(data.droppedByCut) training points with Δχ² above loss.max_delta_chi2 = \(config.maxDeltaChi2.map { Fmt.num($0, width: 0) } ?? "-") left out)" : ""))
        let trainer = Trainer<T>(config: config, data: data, scan: scan)
        let arch = trainer.architecture
        guard arch.parameterCount <= maxTrainedParameters else {
            throw PDFEmuError(.key(file: nil, key: "network.hidden"), "\(arch.hidden.map(String.init).joined(separator: ",")) gives \(arch.parameterCount) parameters per member, more than \(maxTrainedParameters)")
        }
        // Every member trains at least one epoch whatever the time limit: refuse an ensemble whose first
        // epochs alone (6 flops per weight and training point, at an optimistic 10¹¹ flop/s) would take
        // more than twice training.max_minutes.
        if config.maxMinutes > 0 {
            let firstEpochs = 6 * Double(arch.parameterCount) * Double(max(1, data.trainRows.count)) * Double(config.members) / 1e11
            if firstEpochs > 2 * config.maxMinutes * 60 {
                throw PDFEmuError(.key(file: nil, key: "network.members"), "one epoch of each of the \(config.members) members of hidden \(arch.hidden) on "
                                  + "\(data.trainRows.count) points takes at least \(Fmt.num(firstEpochs / 60, width: 0)) min, more than "
                                  + "training.max_minutes = \(Fmt.num(config.maxMinutes, width: 0)); use fewer members or narrower layers, or raise max_minutes")
            }
        }
        let ckPath = FitCheckpoint<T>.path(for: options.output)
        var ck = options.resume
            ? try FitCheckpoint<T>.read(ckPath, config: config, architecture: arch, fresh: { trainer.initialState(member: $0) })
            : FitCheckpoint<T>(configText: config.sourceText, finished: [], current: nil, currentMember: 0)
        if options.resume { log("resuming from \(ckPath): \(ck.finished.count) members done, member \(ck.currentMember) at epoch \(ck.current?.epoch ?? 0)") }
        // Members train in groups of `trainer.concurrentMembers` (each member on its own thread); a group of g
        // members gets g/M of training.max_minutes (each member the same thread-seconds as one after the other).
        let group = trainer.concurrentMembers
        let total = config.maxMinutes > 0 ? config.maxMinutes * 60 : 0.0
        var interrupted = false, diverged = false
        var lastSave = Date()
        var outputMembers: [MemberResult<T>] = []
        while ck.finished.count < config.members && !interrupted {
            let first = ck.finished.count
            let members = Array(first..<min(first + group, config.members))
            let budget = total * Double(members.count) / Double(config.members)
            let starts = members.map { k in
                (k == ck.currentMember ? ck.current : ck.others[k])
                    ?? warm.map { trainer.warmState(member: k, weights: $0.members[k % $0.members.count].weights) }
                    ?? trainer.initialState(member: k)
            }
            var lastStates = Dictionary(uniqueKeysWithValues: zip(members, starts))
            /// The checkpoint with the group's latest states (each at the end of its last full epoch).
            func inProgress() -> FitCheckpoint<T> {
                var c = ck
                c.currentMember = first
                c.current = lastStates[first]
                c.others = [:]
                for k in members.dropFirst() { c.others[k] = lastStates[k] }
                return c
            }
            let results = trainer.trainTogether(members: members, from: starts, timeBudget: budget, progress: progress,
                                                checkpoint: { k, state in
                lastStates[k] = state
                if Date().timeIntervalSince(lastSave) >= options.checkpointInterval {
                    try? inProgress().write(to: ckPath, architecture: arch)
                    lastSave = Date()
                }
            }, shouldStop: shouldStop)
            let usableResults = results.filter { $0.validationRMS.isFinite }
            if let i = results.firstIndex(where: { $0.stopReason == .diverged }) {
                diverged = true
                let r = results[i]
                log("training diverged (loss is NaN) in member \(members[i] + 1) at epoch \(r.epochs); keeping the best weights (validation RMS \(Fmt.fixed(r.validationRMS, 4)))")
                outputMembers = ck.finished + usableResults
                break
            }
            if results.contains(where: { $0.stopReason == .interrupted }) {
                interrupted = true
                // The checkpoint keeps each member's state at the end of its last full epoch (a member that had
                // already stopped, with its reason): --resume continues there.
                for (k, r) in zip(members, results) where r.stopReason != .interrupted { lastStates[k]?.stopped = r.stopReason }
                try inProgress().write(to: ckPath, architecture: arch)
                let stopped = zip(members, results).filter { $0.1.stopReason == .interrupted }
                    .map { "member \($0.0 + 1) in epoch \($0.1.epochs + 1)" }.joined(separator: ", ")
                log("interrupted: \(stopped) stopped; checkpoint \(ckPath) written")
                outputMembers = ck.finished + usableResults
                break
            }
            ck.finished += results
            ck.current = nil
            ck.others = [:]
            ck.currentMember = ck.finished.count
            if ck.finished.count < config.members { try? ck.write(to: ckPath, architecture: arch) }
            outputMembers = ck.finished
        }
        let usable = outputMembers.filter { $0.validationRMS.isFinite }
        guard !usable.isEmpty else {
            if interrupted { throw PDFEmuError(.step("training"), "interrupted before the first epoch ended: no emulator written; checkpoint \(ckPath) kept") }
            throw PDFEmuError(.key(file: nil, key: "training.learning_rate"), "training diverged before the first epoch ended (NaN loss): no emulator written; lower it or set training.gradient_clip")
        }
        let scalers = Scalers(inputMean: data.inputMean, inputTransform: data.inputTransform, outputShift: data.outputShift,
                              outputScale: data.outputScale, outputLogScale: data.outputLogScale)
        let members = usable.map { DenseNetwork(architecture: arch, weights: $0.weights.map { Double($0) }, scalers: scalers) }
        // Domain, best points, emulator.
        let best = scan.bestIndex
        let domain = try TrainingDomain.build(scan: scan, rows: data.trainRows, center: scan.point(best))
        let bestRows = data.trainRows.sorted { scan.chi2[$0] < scan.chi2[$1] }.prefix(32)
        var emulator = Emulator(parameterNames: scan.parameterNames,
                                experimentNames: config.perExperiment ? scan.experimentNames : [],
                                targetName: config.read.chi2 ?? "chi2", targetIsChi2: config.targetIsChi2,
                                architecture: arch, precision: T.precision, members: members,
                                sampleMinimum: data.sampleMinimum, bestTrainingPoints: bestRows.map { scan.point($0) },
                                domain: domain, report: nil, configText: config.sourceText, seed: config.seed)
        var report = accuracy(emulator, scan: scan, rows: data.testRows.isEmpty ? data.validationRows : data.testRows,
                              split: data.testRows.isEmpty ? "validation" : "test", members: usable)
        report.trainingSeconds = wallSeconds(usable, together: group)
        if emulator.members.count > 1 {
            let coverage = calibrate(&emulator, scan: scan, validationRows: data.validationRows, testRows: data.testRows)
            report.coverage = coverage
            report.calibration = emulator.calibration?.text(labels: emulator.targetIsChi2 ? DeltaChi2Bins.labels : ["all"])
        }
        report.spread = emulator.spreadStatus.label
        let seconds = wallSeconds(usable, together: group)
        if seconds > 0 {
            let rate = Double(usable.reduce(0) { $0 + $1.epochs } * data.trainRows.count) / seconds
            report.throughput = TrainingThroughput(samplesPerSecond: rate, gflops: rate * arch.trainingFlopsPerSample * 1e-9,
                                                   peakGFLOPS: GemmPeak.gflops(precision: T.precision), threads: config.threads)
        }
        emulator.report = report
        if diverged {
            // A failed run replaces nothing: an existing emulator at the output stays as it was.
            try? FileManager.default.removeItem(atPath: ckPath)
            return FitResult(emulator: emulator, report: report, diverged: true, interrupted: false,
                             warmStarted: warm != nil, droppedRows: scan.droppedRows, droppedByCut: data.droppedByCut)
        }
        try emulator.write(to: options.output)
        if !interrupted { try? FileManager.default.removeItem(atPath: ckPath) }
        return FitResult(emulator: emulator, report: report, diverged: diverged, interrupted: interrupted,
                         warmStarted: warm != nil, droppedRows: scan.droppedRows, droppedByCut: data.droppedByCut)
    }

    /// Why `previous` cannot warm-start a fit of `scan` with `config` (nil: it can): other parameter
    /// names or outputs, another architecture, or new points so far below the previous target shift
    /// that its log transform would be undefined for them.
    static func warmStartMismatch<T: NNScalar>(_ previous: Emulator, scan: ScanData, config: FitConfig, data: TrainingData<T>) -> String? {
        if previous.parameterNames != scan.parameterNames { return "the previous emulator has other parameters" }
        let arch = Trainer<T>.architecture(config: config, data: data), old = previous.architecture
        if old != arch {
            func text(_ a: MLPArchitecture) -> String {
                "\(a.inputs)→\(a.hidden.map(String.init).joined(separator: "×"))→\(a.outputs) \(a.activation.rawValue), \(a.outputStructure.rawValue)"
                    + (a.outputStructure == .sumOfSquares ? " (\(a.components) components)" : "")
            }
            return "the previous emulator's network (\(text(old))) differs from the config's (\(text(arch)))"
        }
        let s = previous.scalers
        guard s.outputShift.count == data.outputs else { return "the previous emulator has \(s.outputShift.count) outputs, this fit \(data.outputs)" }
        for o in 0..<data.outputs where s.outputLogScale[o] > 0 && data.outputShift[o] - s.outputShift[o] <= -0.5 * s.outputLogScale[o] {
            return "new points lie \(Fmt.fixed(s.outputShift[o] - data.outputShift[o], 3)) below the previous target shift of output \(o)"
        }
        return nil
    }

    /// Fits the spread calibration on the validation rows (bins of the predicted Δχ² for a χ² target,
    /// one bin otherwise), stores it in `emulator`, and returns the coverage on the validation and test rows.
    package static func calibrate(_ emulator: inout Emulator, scan: ScanData, validationRows: [Int], testRows: [Int]) -> [SpreadCoverage] {
        func predict(_ rows: [Int]) -> (pred: BatchPrediction, errors: [Double], delta: [Double]) {
            let pred = emulator.predictBatch(rows.flatMap { scan.point($0) })
            return (pred, zip(pred.value, rows).map { $0 - scan.chi2[$1] }, rows.map { scan.chi2[$0] - emulator.sampleMinimum })
        }
        let val = predict(validationRows)
        emulator.calibration = SpreadCalibration.fit(errors: val.errors, rawSpreads: val.pred.rawSpread,
                                                     predictedDeltaChi2: val.pred.value.map { $0 - emulator.sampleMinimum },
                                                     lowerEdges: emulator.targetIsChi2 ? DeltaChi2Bins.edges : [0])
        return [("validation", validationRows), ("test", testRows)].filter { !$0.1.isEmpty }.map { split, rows in
            let r = predict(rows)
            return SpreadCoverage.measure(split: split, errors: r.errors, rawSpread: r.pred.rawSpread,
                                          spread: r.pred.spread, deltaChi2: r.delta)
        }
    }

    /// Wall seconds of training `members` (in member order) trained `together` at a time: the longest member
    /// of each group, summed over the groups.
    static func wallSeconds<T: NNScalar>(_ members: [MemberResult<T>], together: Int) -> Double {
        var total = 0.0, lo = 0
        while lo < members.count {
            var longest = 0.0
            for r in members[lo..<min(lo + max(1, together), members.count)] { longest = max(longest, r.seconds) }
            total += longest
            lo += max(1, together)
        }
        return total
    }

    /// The accuracy report of `emulator` on `rows` of `scan`.
    static func accuracy<T: NNScalar>(_ emulator: Emulator, scan: ScanData, rows: [Int], split: String,
                                      members: [MemberResult<T>]) -> AccuracyReport {
        let p = scan.parameterCount
        var thetas = [Double](); thetas.reserveCapacity(rows.count * p)
        for i in rows { thetas += scan.point(i) }
        let pred = emulator.predictBatch(thetas)
        let dtrue = rows.map { scan.chi2[$0] - emulator.sampleMinimum }
        var outputs = [AccuracyReport.bins(name: emulator.targetIsChi2 ? "total chi2" : emulator.targetName,
                                           truth: rows.map { scan.chi2[$0] }, predicted: pred.value, deltaChi2: dtrue)]
        let e = emulator.experimentNames.count
        for k in 0..<e {
            outputs.append(AccuracyReport.bins(name: emulator.experimentNames[k],
                                               truth: rows.map { scan.chi2PerExperiment[$0 * scan.experimentCount + k] },
                                               predicted: (0..<rows.count).map { pred.perExperiment[$0 * e + k] },
                                               deltaChi2: dtrue))
        }
        return AccuracyReport(split: split, outputs: outputs, trainingSeconds: members.reduce(0) { $0 + $1.seconds },
                              epochs: members.map(\.epochs), stopReasons: members.map(\.stopReason.rawValue),
                              validationRMS: members.map(\.validationRMS))
    }
}
