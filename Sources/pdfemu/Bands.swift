import ArgumentParser
import Foundation
import PDFEmu

struct Bands: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "PDF bands at Q0: x·f(x) of g, uv, dv, Ubar, Dbar, s for every member of an eigenvector set, with the master-formula band.",
        discussion: "The members' parameters come from --sets (written by pdfemu eigen), which must hold exactly the free parameters (--free); the parameters the set does not hold "
            + "are the theory options' fixed values. The x grid is half log-spaced on [1e-4, 0.1), half linear on [0.1, 1]. "
            + "--mcmc adds the 68% envelope of a scan file's MCMC samples. Layout of --output: docs/FORMAT.md (\"PDF bands\").")

    @OptionGroup var theoryFile: RequiredTheoryArguments<TheoryHelp>
    var theory: String { theoryFile.theory }
    enum TheoryHelp: OptionHelp { static let help: ArgumentHelp = "FK theory file whose parametrisation the set's parameters belong to (e.g. Datasets/hera_fk_nlo.h5)." }
    @OptionGroup var parameters: TheoryParameterArguments
    @Option(help: "Eigenvector set file (pdfemu eigen --output).") var sets: String
    @Option(help: "Scan file with MCMC samples (pdfemu scan --mcmc --output): adds their 68% envelope.") var mcmc: String?
    @Option(help: "Most MCMC samples used for the envelope (evenly thinned).") var mcmcMaxSamples = 4000
    @Option(help: "Points of the x grid.") var xPoints = 200
    @OptionGroup var resultFile: ResultFileArguments
    var output: String? { resultFile.output }
    @Option(help: "Write band_FLAVOUR.svg plots into this directory (created if missing).") var plot: String?

    func run() throws {
        try PDFEmuCommand.guarded {
            let x = try PDFBands.xGrid(points: xPoints)
            guard mcmcMaxSamples >= 10 else { throw PDFEmuError(flag: "--mcmc-max-samples", "need at least 10, got \(mcmcMaxSamples)") }
            let inputs = [("--theory", theory), ("--sets", sets)] + (mcmc.map { [("--mcmc", $0)] } ?? [])
            try resultFile.validate(protecting: inputs)
            if let plot { try ScanPlots.validateDirectory(plot) }
            let model = try parameters.model(theory)
            let set = try EigenvectorSetResult.readMembers(sets)
            let members = try PDFBands.fullParameters(rows: set.members, names: set.parameterNames, template: model.template,
                                                      free: model.parameterNames, what: "--sets \(sets)")
            var samples: [[Double]] = []
            var temperature2 = 1.0
            if let mcmc {
                let chain = try MCMCResult.read(mcmc)
                temperature2 = chain.options.temperature2
                let step = max(1, (chain.sampleCount + mcmcMaxSamples - 1) / mcmcMaxSamples)
                let kept = stride(from: 0, to: chain.sampleCount, by: step).map { chain.sample($0) }
                samples = try PDFBands.fullParameters(rows: kept, names: chain.parameterNames, template: model.template,
                                                      free: model.parameterNames, what: "--mcmc \(mcmc)")
            }
            let bands = try PDFBands.compute(members: members, found: set.found, x: x, tolerance: set.tolerance, samples: samples,
                                            samplesTemperature2: temperature2)
            let label = "\((set.members.count - 1) / 2) eigenvector directions"
            let staged = try plot.map { try ScanPlots.stage(svgs: PDFBandPlots.documents(bands, setLabel: label).map { ($0.file, $0.document.render()) }, in: $0) }
            do {
                if let output {
                    var provenance: Provenance = ["sets_file": sets, "theory_file": theory, "theory_sha256": try SHA256.hex(file: theory),
                                      "theory_options": try model.options.summary()]
                    if let mcmc { provenance["mcmc_file"] = mcmc }
                    try bands.write(to: output, provenance: provenance)
                }
            } catch {
                staged?.discard()
                throw error
            }
            let written = try staged?.commit() ?? []
            print(bands.text(), terminator: "")
            if let output { print("wrote \(output)") }
            if !written.isEmpty { print("wrote \(written.count) plots into \(plot!)") }
        }
    }
}
