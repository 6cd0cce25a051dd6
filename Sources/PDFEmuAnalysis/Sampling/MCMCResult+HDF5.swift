import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// HDF5 layout of an MCMC result (all under one group, "/" for a whole file):
/// datasets `samples` [n,P], `chi2` [n], `parameter_names` [P], `mean`, `std`, `median`, `lower68`,
/// `upper68`, `lower95`, `upper95`, `autocorrelation_time`, `effective_sample_size`, `split_rhat`,
/// `best_theta` [P], `covariance` [P,P]; attributes `format` ("pdfemu-mcmc-1"), `method` ("ensemble" or
/// "hmc"), `divergences`, `hmc_step_size` (HMC only), `temperature2`, `walkers` (HMC: chains),
/// `steps`, `burn_in`, `thin`, `seed` (decimal string), `stretch`, `acceptance_rate`,
/// `burn_in_acceptance_rate`, `evaluations`, `domain_checked`, `outside_domain_fraction`,
/// `outside_box_fraction`, `best_chi2`, `max_split_rhat`, `min_effective_sample_size`, `lower_bounds`/
/// `upper_bounds` (when set).
extension MCMCResult {
    /// The `format` attribute value of the layout this version writes.
    package static let hdf5Format = "pdfemu-mcmc-1"

    /// Writes the result into an open, writable file under `group` (created if missing; its datasets must be new).
    package func write(into file: borrowing HDF5File, group: String = "/") throws(HDF5Error) {
        let g = group.hasSuffix("/") ? String(group.dropLast()) : group
        func path(_ name: String) -> String { g + "/" + name }
        let attrObject = g.isEmpty ? "/" : g
        if !g.isEmpty { try file.createGroup(g) }
        let p = parameterCount, n = sampleCount
        try file.write(path("samples"), samples, shape: [n, p], options: n > 4096 ? .compressed : .plain)
        try file.write(path("chi2"), chi2, shape: [n], options: n > 4096 ? .compressed : .plain)
        try file.writeStrings(path("parameter_names"), parameterNames)
        let vectors: [(String, [Double])] = [
            ("mean", mean), ("std", std), ("median", median), ("lower68", lower68), ("upper68", upper68),
            ("lower95", lower95), ("upper95", upper95), ("autocorrelation_time", autocorrelationTime),
            ("effective_sample_size", effectiveSampleSize), ("split_rhat", splitRHat), ("best_theta", bestTheta),
        ]
        for (name, v) in vectors { try file.writeVector(path(name), v) }
        try file.write(path("covariance"), covariance, shape: [p, p])
        try file.writeAttribute("format", Self.hdf5Format, of: attrObject)
        try file.writeAttribute("seed", String(options.seed), of: attrObject)
        try file.writeAttribute("method", method.rawValue, of: attrObject)
        if let hmcStepSize { try file.setScalar("hmc_step_size", hmcStepSize, of: attrObject) }
        let ints: [(String, Int)] = [("walkers", options.walkers), ("steps", options.steps), ("burn_in", options.burnIn),
                                     ("thin", options.thin), ("evaluations", evaluations), ("divergences", divergences), ("domain_checked", domainChecked),
                                     ("domain_check_limit", options.domainCheckLimit)]
        for (name, v) in ints { try file.setInteger(name, v, of: attrObject) }
        let doubles: [(String, Double)] = [
            ("temperature2", options.temperature2), ("stretch", options.stretch), ("acceptance_rate", acceptanceRate),
            ("burn_in_acceptance_rate", burnInAcceptanceRate), ("outside_domain_fraction", outsideDomainFraction),
            ("outside_box_fraction", outsideBoxFraction), ("best_chi2", bestChi2), ("max_split_rhat", maximumRHat),
            ("min_effective_sample_size", minimumESS),
        ]
        for (name, v) in doubles { try file.setScalar(name, v, of: attrObject) }
        if let lower = options.lower { try file.writeAttribute("lower_bounds", lower, of: attrObject) }
        if let upper = options.upper { try file.writeAttribute("upper_bounds", upper, of: attrObject) }
    }

    /// Writes the result as a whole new HDF5 file at `path`, atomically (nothing is left on failure).
    package func write(to path: String) throws {
        try AtomicOutput.write(to: path) { tmp in
            let file = try HDF5File(create: tmp)
            try self.write(into: file, group: "/")
            try file.flush()
        }
    }

    /// The MCMC result of a file: a scan file's `/mcmc` group (`pdfemu scan --mcmc --output`) or a file
    /// written by `write(to:)`. Throws one line when the file holds no MCMC samples.
    package static func read(_ path: String) throws -> MCMCResult {
        let file = try HDF5File(open: path)
        if file.exists("/mcmc") { return try read(from: file, group: "/mcmc") }
        guard file.exists("/samples") else {
            throw PDFEmuError(file: path, "holds no MCMC samples (no /mcmc group: the scan that wrote it ran no MCMC)")
        }
        return try read(from: file, group: "/")
    }

    /// Reads a result written by `write(into:group:)`.
    package static func read(from file: borrowing HDF5File, group: String = "/") throws(HDF5Error) -> MCMCResult {
        let g = group.hasSuffix("/") ? String(group.dropLast()) : group
        func path(_ name: String) -> String { g + "/" + name }
        let attrObject = g.isEmpty ? "/" : g
        let fmt = try file.readStringAttribute("format", of: attrObject)
        guard fmt == hdf5Format else {
            throw HDF5Error(file: file.path, object: attrObject, message: "format is '\(fmt)', expected '\(hdf5Format)'")
        }
        let names = try file.readStrings(path("parameter_names"))
        let p = names.count
        let (shape, samples) = try file.read(path("samples"), as: Double.self)
        guard shape.count == 2, shape[1] == p else {
            throw HDF5Error(file: file.path, object: path("samples"), message: "shape \(shape) does not match \(p) parameters")
        }
        let chi2 = try file.read(path("chi2"), as: Double.self).values
        guard chi2.count == shape[0] else {
            throw HDF5Error(file: file.path, object: path("chi2"), message: "has \(chi2.count) values for \(shape[0]) samples")
        }
        func vec(_ name: String, _ count: Int) throws(HDF5Error) -> [Double] {
            let v = try file.vector(path(name))
            guard v.count == count else {
                throw HDF5Error(file: file.path, object: path(name), message: "has \(v.count) values, expected \(count)")
            }
            return v
        }
        func int(_ name: String) throws(HDF5Error) -> Int { try file.integer(name, of: attrObject) }
        func dbl(_ name: String) throws(HDF5Error) -> Double { try file.scalar(name, of: attrObject) }
        func sampler() throws(HDF5Error) -> MCMCSampler {
            let text = try file.readStringAttribute("method", of: attrObject)
            guard let m = MCMCSampler(rawValue: text) else {
                throw HDF5Error(file: file.path, object: attrObject, message: "attribute 'method' is '\(text)', not ensemble or hmc")
            }
            return m
        }
        let seedText = try file.readStringAttribute("seed", of: attrObject)
        guard let seed = UInt64(seedText) else {
            throw HDF5Error(file: file.path, object: attrObject, message: "attribute 'seed' is not an unsigned integer")
        }
        var opts = MCMCOptions(walkers: try int("walkers"), steps: try int("steps"), burnIn: try int("burn_in"),
                               thin: try int("thin"), seed: seed, temperature2: try dbl("temperature2"),
                               stretch: try dbl("stretch"), domainCheckLimit: try int("domain_check_limit"))
        if file.hasAttribute("lower_bounds", of: attrObject) {
            opts.lower = try file.readNumericAttribute("lower_bounds", of: attrObject)
        }
        if file.hasAttribute("upper_bounds", of: attrObject) {
            opts.upper = try file.readNumericAttribute("upper_bounds", of: attrObject)
        }
        let step: Double? = file.hasAttribute("hmc_step_size", of: attrObject) ? try dbl("hmc_step_size") : nil
        return MCMCResult(method: try sampler(), divergences: try int("divergences"),
                          hmcStepSize: step, parameterNames: names, options: opts, samples: samples, chi2: chi2,
                          evaluations: try int("evaluations"), acceptanceRate: try dbl("acceptance_rate"),
                          burnInAcceptanceRate: try dbl("burn_in_acceptance_rate"),
                          autocorrelationTime: try vec("autocorrelation_time", p),
                          effectiveSampleSize: try vec("effective_sample_size", p), splitRHat: try vec("split_rhat", p),
                          domainChecked: try int("domain_checked"),
                          outsideDomainFraction: try dbl("outside_domain_fraction"),
                          outsideBoxFraction: try dbl("outside_box_fraction"),
                          mean: try vec("mean", p), std: try vec("std", p), median: try vec("median", p),
                          lower68: try vec("lower68", p), upper68: try vec("upper68", p),
                          lower95: try vec("lower95", p), upper95: try vec("upper95", p),
                          covariance: try vec("covariance", p * p), bestChi2: try dbl("best_chi2"),
                          bestTheta: try vec("best_theta", p))
    }
}
