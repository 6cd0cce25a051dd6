import ArgumentParser
import Foundation
import PDFEmu

/// How `pdfemu chi2` gets its χ²: the oracle options (an external command or an in-process oracle).
struct OracleOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The χ² oracle: a command 'PROGRAM ... {input} {output}' (run with /bin/sh -c; pdfemu fills in quoted paths), or emulator:FILE (docs/ORACLE.md).",
                               valueName: "ORACLE"))
    var oracle: String?
    @Option(help: "Seconds one oracle command may run before its process group is killed.") var timeout: Double = 3600
    @Option(help: "Points per oracle call (0: all in one call).") var chunkSize: Int = 0

    /// Throws one line for a value out of range.
    func validateSettings() throws {
        if !(timeout > 0) { throw PDFEmuError(usage: "--timeout must be > 0 seconds (got \(timeout))") }
        if chunkSize < 0 { throw PDFEmuError(usage: "--chunk-size must be ≥ 0 (got \(chunkSize))") }
    }
}

struct Chi2: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate the χ² of a points file through an oracle and write a scan file.",
        discussion: "Reads /parameters [N,P] and /parameter_names from --input and writes the scan-file layout (docs/FORMAT.md) "
            + "with /chi2, /chi2_per_experiment, /defined and provenance attributes. Undefined points (NaN χ²) are kept as NaN "
            + "rows, which scan readers drop. --shard k/N evaluates the k-th contiguous block of rows; `pdfemu merge` joins the shards.")

    @OptionGroup var oracleOptions: OracleOptions
    @OptionGroup var theoryOptions: TheoryArguments
    @Option(help: "Points file (HDF5: /parameters [N,P], /parameter_names [P]).") var input: String
    @OptionGroup var outputFile: RequiredOutputArguments<OutputHelp>
    var output: String { outputFile.output }
    enum OutputHelp: OptionHelp { static let help: ArgumentHelp = "Scan file to write (HDF5; written atomically)." }
    @Option(help: "Evaluate only block k of N of the rows (combine the outputs with `pdfemu merge`).") var shard: String?
    @Flag(help: "No progress bar.") var quiet = false
    @OptionGroup(title: "Batch system") var batchSystem: BatchSystemArguments

    /// Which oracle evaluates the points: --oracle, or --theory (the in-process `fk:FILE` with the
    /// theory options).
    func oracleSpec() throws -> OracleSpec {
        try oracleOptions.validateSettings()
        if theoryOptions.theory == nil && !theoryOptions.given(countingFix: true).isEmpty {
            throw needTheory(["--fix", "--free", "--q2-min"])
        }
        if let theory = theoryOptions.theory {
            if oracleOptions.oracle != nil { throw PDFEmuError(usage: "give either --oracle or --theory") }
            return .inProcess(scheme: "fk", argument: theory)
        }
        guard let text = oracleOptions.oracle else {
            throw PDFEmuError(usage: "give --oracle ORACLE (a command with {input} and {output}, emulator:FILE or fk:FILE) or --theory FILE")
        }
        return try OracleSpec(parsing: text)
    }

    /// The oracle of `spec`; an in-process oracle needing options of its own (theory cuts, fixed values)
    /// is built here.
    func makeOracle(_ spec: OracleSpec, shouldStop: @escaping @Sendable () -> Bool) throws -> any ChiSquareOracle {
        try theoryOptions.oracle() ?? spec.makeOracle(timeout: oracleOptions.timeout, shouldStop: shouldStop)
    }

    func run() throws {
        try PDFEmuCommand.guarded {
            let spec = try oracleSpec()
            let shardSpec = try shard.map { try ShardSpec(parsing: $0) }
            try AtomicOutput.validateOutput(output, protecting: [("--input", input)]
                                         + spec.inputFiles(labelled: theoryOptions.theory == nil ? "--oracle" : "--theory"))
            let points = try OraclePoints.read(input)
            let rows = OracleScanFile.rows(of: shardSpec, count: points.count)
            if rows.isEmpty, let shardSpec {
                throw SettingError(.shard, "\(shardSpec.index)/\(shardSpec.count)", "\(input) has only \(points.count) points, so this shard is empty")
            }
            // A command runs in its own process group: a signal reaches pdfemu only, which then kills the group.
            let stop = OracleInterrupts.install()
            try batchSystem.validateSettings()
            if batchSystem.enabled && (shardSpec != nil || theoryOptions.theory != nil) {
                throw PDFEmuError(usage: "--scheduler takes --oracle (each task evaluates its shard with it), not --theory or --shard")
            }
            let inner = try makeOracle(spec, shouldStop: stop.shouldStop)
            let arrayOracle = try batchSystem.enabled
                ? batchSystem.oracle(inner: spec.text, innerTimeout: oracleOptions.timeout, defaultWorkDir: output + ".batches",
                                     runID: URL(fileURLWithPath: output).standardizedFileURL.path,
                                     log: { line in if !quiet { printErr(line) } })
                : nil
            let oracle: any ChiSquareOracle = arrayOracle ?? inner
            let bar = ProgressBar(enabled: !quiet)
            // In-process theory: chunks for the progress bar unless asked otherwise.
            let chunk = oracleOptions.chunkSize == 0 && oracle is TheoryOracle ? TheoryOracle.progressChunkSize : oracleOptions.chunkSize
            let outcome = oracle.evaluate(points.rows(rows), chunkSize: chunk) { done, total in
                bar.update(fraction: Double(done) / Double(max(1, total)), text: "\(done)/\(total) points")
            }
            bar.clear()
            if let failure = outcome.failure {
                if let submitted = arrayOracle?.record.submittedAndExited {
                    print("submitted, exiting: \(submitted)")
                    throw ExitCode(75)
                }
                printErr("error: \(failure); nothing written" + (stop.signal.map { " (\(OracleInterrupts.name($0)))" } ?? ""))
                throw ExitCode(stop.signal.map { 128 + $0 } ?? (failure.error.kind == .interrupted ? 130 : 1))
            }
            let result = outcome.result
            // A whole file of undefined points is useless (scan readers would drop every row); a shard is kept
            // for `pdfemu merge`.
            if result.definedRows.isEmpty && shardSpec == nil {
                throw PDFEmuError(file: input, "all \(rows.count) points are undefined (row \(rows.lowerBound): "
                                  + "\(result.undefinedReasons.first.flatMap { $0 } ?? "?")); nothing written")
            }
            let attrs = OracleScanFile.attributes(oracle: spec.text, input: input, inputHash: try RunIdentity.fileHash(input),
                                                  total: points.count, rows: rows, shard: shardSpec, extra: oracle.provenance)
            try OracleFiles.write(result, points: outcome.evaluatedPoints, to: output, attributes: attrs,
                                  ndataPerExperiment: oracle.ndataPerExperiment)
            var line = "evaluated \(result.count) points"
            if let shardSpec { line += " (shard \(shardSpec.index)/\(shardSpec.count): rows \(rows.lowerBound)..<\(rows.upperBound) of \(points.count))" }
            line += " with \(oracle.label): \(result.undefinedCount) undefined"
            if let first = result.undefinedReasons.firstIndex(where: { $0 != nil }) {
                line += " (first: row \(rows.lowerBound + first): \(result.undefinedReasons[first]!))"
            }
            if result.experimentCount > 0 { line += ", \(result.experimentCount) experiments" }
            print(line + "; wrote \(output)")
        }
    }
}
