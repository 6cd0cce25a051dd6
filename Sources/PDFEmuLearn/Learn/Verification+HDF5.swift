import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuNetwork
import PDFEmuTheory
import PDFEmuAnalysis

/// The `/verification` group of a scan file (docs/FORMAT.md, "Verification").
extension Verification {
    /// The group's path.
    package static let group = "/verification"

    /// Writes the verification into `file` under `/verification`, written with the record layer.
    package func write(into file: borrowing HDF5File) throws {
        let g = Self.group
        try file.createGroup(g)
        try file.writeAttribute("oracle", oracle, of: g)
        try file.setScalar("epsilon_floor", options.epsilonFloor, of: g)
        try file.setScalar("epsilon_slope", options.epsilonSlope, of: g)
        try file.setInteger("mcmc_samples", options.mcmcSamples, of: g)
        try file.setScalar("chi2_emulated_at_minimum", emulatedChi2Min, of: g)
        try file.setScalar("chi2_true_at_minimum", trueChi2AtMinimum, of: g)
        try file.setInteger("certified_count", certifiedCount, of: g)
        try file.writeStrings(g + "/answer_names", answers.map(\.name))
        try file.writeStrings(g + "/answer_kinds", answers.map(\.kind))
        try file.writeVector(g + "/answer_tolerance", answers.map(\.tolerance))
        try file.writeVector(g + "/answer_value", answers.map { $0.value ?? .nan })
        try file.writeVector(g + "/answer_error", answers.map(\.error))
        try file.writeVector(g + "/answer_epsilon", answers.map(\.epsilon))
        try file.writeFlags(g + "/answer_certified", answers.map(\.certified))
        try file.writeStrings(g + "/answer_notes", answers.map { $0.note.isEmpty ? "-" : $0.note })
        if !points.isEmpty {
            try file.writeIntegers(g + "/point_answer", points.map(\.answer))
            try file.writeMatrixRows(g + "/point_theta", points.map(\.theta), columns: points[0].theta.count)
            try file.writeVector(g + "/point_delta_emulated", points.map(\.emulatedDelta))
            try file.writeVector(g + "/point_chi2_true", points.map(\.trueChi2))
            try file.writeVector(g + "/point_delta_true", points.map(\.trueDelta))
        }
        if let m = mcmc {
            let mg = g + "/mcmc"
            try file.createGroup(mg)
            try file.writeStrings(mg + "/parameter_names", m.parameterNames)
            try file.setScalar("temperature2", m.temperature2, of: mg)
            try file.setScalar("effective_sample_size", m.effectiveSampleSize, of: mg)
            try file.writeVector(mg + "/weights", m.weights)
            try file.writeVector(mg + "/mean", m.mean)
            try file.writeVector(mg + "/sigma", m.sigma)
            try file.writeVector(mg + "/reweighted_mean", m.reweightedMean)
            try file.writeVector(mg + "/reweighted_sigma", m.reweightedSigma)
        }
    }

    /// Reads `/verification` from a scan file; nil if the file has none. Throws naming the object at fault.
    package static func read(_ path: String) throws -> Verification? {
        let file = try HDF5File(open: path)
        let g = group
        guard file.exists(g) else { return nil }
        let names = try file.readStrings(g + "/answer_names")
        let kinds = try file.readStrings(g + "/answer_kinds")
        let tol = try file.vector(g + "/answer_tolerance"), value = try file.vector(g + "/answer_value")
        let err = try file.vector(g + "/answer_error"), eps = try file.vector(g + "/answer_epsilon")
        let cert = try file.flags(g + "/answer_certified"), notes = try file.readStrings(g + "/answer_notes")
        guard [kinds.count, tol.count, value.count, err.count, eps.count, cert.count, notes.count].allSatisfy({ $0 == names.count }) else {
            throw PDFEmuError(file: path, dataset: g, "answer datasets differ in length")
        }
        let answers = names.indices.map {
            VerifiedAnswer(name: names[$0], kind: kinds[$0], tolerance: tol[$0], value: value[$0].isNaN ? nil : value[$0],
                           error: err[$0], epsilon: eps[$0], certified: cert[$0], note: notes[$0] == "-" ? "" : notes[$0])
        }
        var points: [VerifiedPoint] = []
        if file.exists(g + "/point_answer") {
            let owner = try file.integers(g + "/point_answer"), theta = try file.matrixRows(g + "/point_theta")
            let de = try file.vector(g + "/point_delta_emulated"), ct = try file.vector(g + "/point_chi2_true")
            let dt = try file.vector(g + "/point_delta_true")
            guard [theta.count, de.count, ct.count, dt.count].allSatisfy({ $0 == owner.count }), owner.allSatisfy({ answers.indices.contains($0) }) else {
                throw PDFEmuError(file: path, dataset: g, "point datasets differ in length or name unknown answers")
            }
            points = owner.indices.map { VerifiedPoint(answer: owner[$0], theta: theta[$0], emulatedDelta: de[$0], trueChi2: ct[$0], trueDelta: dt[$0]) }
        }
        var mcmc: VerifiedMCMC?
        let mg = g + "/mcmc"
        if file.exists(mg) {
            mcmc = VerifiedMCMC(parameterNames: try file.readStrings(mg + "/parameter_names"),
                                temperature2: try file.scalar("temperature2", of: mg), weights: try file.vector(mg + "/weights"),
                                effectiveSampleSize: try file.scalar("effective_sample_size", of: mg),
                                mean: try file.vector(mg + "/mean"), sigma: try file.vector(mg + "/sigma"),
                                reweightedMean: try file.vector(mg + "/reweighted_mean"), reweightedSigma: try file.vector(mg + "/reweighted_sigma"))
        }
        let options = VerificationOptions(epsilonFloor: try file.scalar("epsilon_floor", of: g), epsilonSlope: try file.scalar("epsilon_slope", of: g),
                                          mcmcSamples: try file.integer("mcmc_samples", of: g))
        return Verification(oracle: try file.readStringAttribute("oracle", of: g), options: options,
                            emulatedChi2Min: try file.scalar("chi2_emulated_at_minimum", of: g),
                            trueChi2AtMinimum: try file.scalar("chi2_true_at_minimum", of: g),
                            answers: answers, points: points, mcmc: mcmc)
    }
}
