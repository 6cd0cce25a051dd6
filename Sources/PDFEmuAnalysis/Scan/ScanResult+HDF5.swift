import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// Reading and writing scan results as HDF5 (layout: docs/FORMAT.md, "Scan outputs").
extension ScanResult {
    /// Format tag stored in the root attribute "format".
    package static let formatTag = "pdfemu-scan"

    /// Writes the result to `path` atomically (nothing is left behind on failure). Timing is not stored.
    package func write(to path: String) throws { try write(to: path, extra: { _ in }) }

    /// Writes the result to `path` atomically with further groups written by `extra` into the same
    /// file before it is moved into place (e.g. `/verification`).
    package func write(to path: String, extra: (borrowing HDF5File) throws -> Void) throws {
        try AtomicOutput.write(to: path) { tmp in
            let f = try HDF5File(create: tmp)
            let w = ScanH5Writer(file: f)
            try w.write(self)
            try extra(w.file)
            try w.file.flush()
        }
    }

    /// Reads a result written by `write(to:)`; throws naming the file and object at fault.
    package static func read(_ path: String) throws -> ScanResult {
        let f = try HDF5File(open: path)
        guard f.hasAttribute("format"), try f.readStringAttribute("format") == formatTag else {
            throw PDFEmuError(file: path, "not a pdfemu scan output (root attribute format ≠ \(formatTag))")
        }
        return try ScanH5Reader(file: f).read()
    }
}

/// Writes the groups of a scan result into an open file.
private struct ScanH5Writer: ~Copyable {
    let file: HDF5File

    func vector(_ path: String, _ v: [Double]) throws { try file.writeVector(path, v) }
    func flags(_ path: String, _ v: [Bool]) throws { try file.writeFlags(path, v) }
    func matrix(_ path: String, _ rows: [[Double]], cols: Int) throws { try file.writeMatrixRows(path, rows, columns: cols) }
    func strings(_ path: String, _ v: [String]) throws { try file.writeStringList(path, v) }
    func attribute(_ name: String, _ v: Double, _ obj: String) throws { try file.setScalar(name, v, of: obj) }
    func attribute(_ name: String, _ v: String, _ obj: String) throws { try file.writeAttribute(name, v, of: obj) }

    func write(_ r: ScanResult) throws {
        let p = r.parameterNames.count
        try attribute("format", ScanResult.formatTag, "/")
        try file.writeAttribute("format_version", [Int32(1)], of: "/")
        try attribute("pdfemu_version", pdfemuVersion, "/")
        try attribute("run_id", r.runID, "/")
        if let sh = r.shard {
            try file.setInteger("shard_index", sh.index, of: "/")
            try file.setInteger("shard_count", sh.count, of: "/")
        }
        try strings("/parameter_names", r.parameterNames)
        try strings("/experiment_names", r.experimentNames)
        try vector("/tolerances", r.tolerances)
        try strings("/units", r.units)
        // Minimum.
        let mn = r.minimum, g = "/minimum"
        try file.createGroup(g)
        try attribute("chi2", mn.chi2, g); try attribute("edm", mn.edm, g); try attribute("spread", mn.spread, g)
        if let sm = mn.sampleMinimum { try attribute("sample_minimum", sm, g) }
        if let st = mn.spreadStatus { try file.writeAttribute("spread_status", st.rawValue, of: g) }
        try file.setFlag("converged", mn.converged, of: g)
        try file.setInteger("iterations", mn.iterations, of: g)
        try file.setInteger("evaluations", mn.evaluations, of: g)
        try attribute("status", mn.status.rawValue, g)
        if let dm = mn.domain {
            try file.setFlag("inside", dm.inside, of: g)
            try file.setFlag("in_box", dm.inBox, of: g)
            try attribute("neighbour_distance", dm.neighbourDistance, g)
            try attribute("radius", dm.radius, g)
            try attribute("max_training_radius", dm.maxTrainingRadius, g)
        }
        try vector(g + "/theta", mn.theta)
        try vector(g + "/per_experiment", mn.perExperiment)
        try strings(g + "/at_bound", mn.atBound)
        try strings(g + "/constraint_kind", mn.constraints.map { c -> String in
            switch c { case .free: return "free"; case .fixed: return "fixed"; case .bounded: return "bounded" } })
        try vector(g + "/constraint_lower", mn.constraints.map { $0.lower })
        try vector(g + "/constraint_upper", mn.constraints.map { $0.upper })
        try vector(g + "/start_chi2", mn.startChi2)
        try flags(g + "/start_converged", mn.startConverged)
        try strings(g + "/warnings", mn.warnings)
        // Hessian.
        let h = r.hessian, hg = "/hessian", n = h.parameters.count
        try file.createGroup(hg)
        try file.setFlag("positive_definite", h.positiveDefinite, of: hg)
        try strings(hg + "/parameters", h.parameters)
        try file.writeIntegers(hg + "/indices", h.indices)
        try file.write(hg + "/matrix", h.halfHessian, shape: [n, n])
        try vector(hg + "/eigenvalues", h.eigenvalues)
        try file.write(hg + "/eigenvectors", h.eigenvectors, shape: [n, n])
        try file.write(hg + "/covariance", h.covariance, shape: [n, n])
        try file.write(hg + "/correlation", h.correlation, shape: [n, n])
        try vector(hg + "/sigma", h.sigma)
        try vector(hg + "/tolerances", h.tolerances)
        try matrix(hg + "/errors", h.errors, cols: n)
        try strings(hg + "/warnings", h.warnings)
        // Profiles.
        for pr in r.profiles {
            let pg = ScanUnitKind.profile.group(pr.parameter)
            try file.createGroup(pg)
            try attribute("parameter", pr.parameter, pg)
            try file.setInteger("index", pr.index, of: pg)
            try attribute("best", pr.best, pg)
            try vector(pg + "/values", pr.values)
            try vector(pg + "/delta_chi2", pr.deltaChi2)
            try matrix(pg + "/theta", pr.theta, cols: p)
            try matrix(pg + "/per_experiment", pr.perExperiment, cols: r.experimentNames.count)
            try vector(pg + "/spread", pr.spread)
            try flags(pg + "/inside", pr.inside)
            try flags(pg + "/converged", pr.converged)
            try intervals(pg + "/intervals", pr.intervals)
            try strings(pg + "/warnings", pr.warnings)
        }
        // Contours.
        for c in r.contours {
            let cg = ScanUnitKind.contour.group(ScanUnitKind.contourLabel(c.a, c.b))
            try file.createGroup(cg)
            try attribute("a", c.a, cg); try attribute("b", c.b, cg)
            try file.writeAttribute("levels", c.levels.map { $0.level }, of: cg)
            for l in c.levels {
                let lg = cg + "/level_\(l.level)"
                try file.createGroup(lg)
                try attribute("level", l.level, lg)
                try vector(lg + "/a", l.a); try vector(lg + "/b", l.b)
                try vector(lg + "/delta_chi2", l.deltaChi2)
                try matrix(lg + "/theta", l.theta, cols: p)
                try flags(lg + "/inside", l.inside); try flags(lg + "/converged", l.converged); try flags(lg + "/open", l.open)
            }
            try strings(cg + "/warnings", c.warnings)
        }
        // Lagrange scans.
        for l in r.lagrange {
            let lg = ScanUnitKind.lagrange.group(l.name)
            try file.createGroup(lg)
            try attribute("name", l.name, lg); try attribute("definition", l.definition, lg)
            try attribute("best", l.best, lg); try attribute("sigma", l.sigma, lg)
            try vector(lg + "/lambda", l.lambda); try vector(lg + "/q", l.q); try vector(lg + "/delta_chi2", l.deltaChi2)
            try matrix(lg + "/theta", l.theta, cols: p)
            try flags(lg + "/inside", l.inside); try flags(lg + "/converged", l.converged)
            try intervals(lg + "/intervals", l.intervals)
            try strings(lg + "/warnings", l.warnings)
        }
        // Restarts from a lower minimum, and lower points reported and not followed (only when there are any).
        if let notes = r.notes, !notes.isEmpty { try strings("/notes", notes) }
        // MCMC: the combined result under /mcmc (its samples are the only copy); each run's diagnostics
        // under /mcmc/chain_C with its rows of /mcmc/samples given by sample_offset and sample_count.
        if let mc = r.mcmc {
            try mc.combined.write(into: file, group: "/mcmc")
            try file.setInteger("chains", mc.chainCount, of: "/mcmc")
            var offset = 0
            for c in mc.chains {
                var stripped = c.result
                stripped.samples = []; stripped.chi2 = []
                let cg = ScanUnitKind.mcmc.group("chain\(c.index)")
                try stripped.write(into: file, group: cg)
                try file.setInteger("index", c.index, of: cg)
                try file.setInteger("sample_offset", offset, of: cg)
                try file.setInteger("sample_count", c.result.sampleCount, of: cg)
                offset += c.result.sampleCount
            }
        }
    }

    func intervals(_ g: String, _ v: [ProfileInterval]) throws {
        try file.createGroup(g)
        try vector(g + "/tolerance", v.map { $0.tolerance })
        try vector(g + "/lower", v.map { $0.lower ?? .nan })
        try vector(g + "/upper", v.map { $0.upper ?? .nan })
        try flags(g + "/lower_inside", v.map { $0.lowerInside })
        try flags(g + "/upper_inside", v.map { $0.upperInside })
        try flags(g + "/refined", v.map { $0.refined })
    }
}

/// Reads the groups of a scan result from an open file.
private struct ScanH5Reader: ~Copyable {
    let file: HDF5File

    func vector(_ path: String) throws -> [Double] { try file.vector(path) }
    func integers(_ path: String) throws -> [Int] { try file.integers(path) }
    func flags(_ path: String) throws -> [Bool] { try file.flags(path) }
    func matrix(_ path: String) throws -> [[Double]] { try file.matrixRows(path) }
    func strings(_ path: String) throws -> [String] { try file.stringList(path) }
    func scalar(_ name: String, _ obj: String) throws -> Double { try file.scalar(name, of: obj) }
    func integer(_ name: String, _ obj: String) throws -> Int { try file.integer(name, of: obj) }
    func text(_ name: String, _ obj: String) throws -> String { try file.readStringAttribute(name, of: obj) }

    func read() throws -> ScanResult {
        let names = try strings("/parameter_names")
        var shard: ShardSpec?
        if file.hasAttribute("shard_index") {
            shard = ShardSpec(index: try integer("shard_index", "/"), count: try integer("shard_count", "/"))
        }
        let g = "/minimum"
        let kinds = try strings(g + "/constraint_kind"), lo = try vector(g + "/constraint_lower"), hi = try vector(g + "/constraint_upper")
        guard kinds.count == names.count, lo.count == names.count, hi.count == names.count else {
            throw PDFEmuError(file: file.path, "/minimum constraints do not match /parameter_names")
        }
        let constraints: [ParameterConstraint] = (0..<names.count).map { k in
            switch kinds[k] { case "fixed": return .fixed(lo[k]); case "bounded": return .bounded(lower: lo[k], upper: hi[k])
            default: return .free }
        }
        let domain = !file.hasAttribute("inside", of: g) ? nil : DomainCheck(inside: try scalar("inside", g) != 0, inBox: try scalar("in_box", g) != 0,
                                 neighbourDistance: try scalar("neighbour_distance", g), radius: try scalar("radius", g),
                                 maxTrainingRadius: try scalar("max_training_radius", g))
        let minimum = ScanMinimum(chi2: try scalar("chi2", g), theta: try vector(g + "/theta"), converged: try scalar("converged", g) != 0,
                                  status: try status(g), iterations: try integer("iterations", g),
                                  evaluations: try integer("evaluations", g), edm: try scalar("edm", g), atBound: try strings(g + "/at_bound"),
                                  constraints: constraints, perExperiment: try vector(g + "/per_experiment"),
                                  spread: try scalar("spread", g), domain: domain, sampleMinimum: file.hasAttribute("sample_minimum", of: g) ? try scalar("sample_minimum", g) : nil,
                                  startChi2: try vector(g + "/start_chi2"), startConverged: try flags(g + "/start_converged"),
                                  warnings: try strings(g + "/warnings"),
                                  spreadStatus: file.hasAttribute("spread_status", of: g)
                                      ? SpreadStatus(rawValue: try file.readStringAttribute("spread_status", of: g)) : nil)
        let hg = "/hessian"
        let hessian = HessianAnalysis(parameters: try strings(hg + "/parameters"), indices: try integers(hg + "/indices"),
                                      halfHessian: try vector(hg + "/matrix"), eigenvalues: try vector(hg + "/eigenvalues"),
                                      eigenvectors: try vector(hg + "/eigenvectors"),
                                      positiveDefinite: try scalar("positive_definite", hg) != 0,
                                      covariance: try vector(hg + "/covariance"), correlation: try vector(hg + "/correlation"),
                                      sigma: try vector(hg + "/sigma"), tolerances: try vector(hg + "/tolerances"),
                                      errors: try matrix(hg + "/errors"), warnings: try strings(hg + "/warnings"))
        let units = try strings("/units")
        var result = ScanResult(runID: try text("run_id", "/"), parameterNames: names,
                                experimentNames: try strings("/experiment_names"), tolerances: try vector("/tolerances"),
                                minimum: minimum, hessian: hessian, units: units, profiles: [], contours: [], lagrange: [],
                                shard: shard, timing: nil)
        for unit in units {
            guard let (kind, label) = ScanUnitKind.parse(unit) else { throw PDFEmuError(file: file.path, dataset: "/units", "'\(unit)' is of no known kind") }
            let group = kind.group(label)
            guard kind != .mcmc, file.exists(group) else { continue }  // MCMC runs are read below; a shard holds some units only
            switch kind {
            case .profile:
                let pg = group
                result.profiles.append(ProfileResult(
                    parameter: try text("parameter", pg), index: try integer("index", pg), best: try scalar("best", pg),
                    values: try vector(pg + "/values"), deltaChi2: try vector(pg + "/delta_chi2"), theta: try matrix(pg + "/theta"),
                    perExperiment: try matrix(pg + "/per_experiment"), spread: try vector(pg + "/spread"),
                    inside: try flags(pg + "/inside"), converged: try flags(pg + "/converged"),
                    intervals: try intervals(pg + "/intervals"), warnings: try strings(pg + "/warnings")))
            case .contour:
                let cg = group
                let levelValues: [Double] = try file.readNumericAttribute("levels", of: cg)
                var levels: [ContourLevel] = []
                for lv in levelValues {
                    let lg = cg + "/level_\(lv)"
                    levels.append(ContourLevel(level: try scalar("level", lg), a: try vector(lg + "/a"), b: try vector(lg + "/b"),
                                               deltaChi2: try vector(lg + "/delta_chi2"), theta: try matrix(lg + "/theta"),
                                               inside: try flags(lg + "/inside"), converged: try flags(lg + "/converged"),
                                               open: try flags(lg + "/open")))
                }
                result.contours.append(ContourResult(a: try text("a", cg), b: try text("b", cg), levels: levels,
                                                     warnings: try strings(cg + "/warnings")))
            case .lagrange:
                let lg = group
                result.lagrange.append(LagrangeResult(
                    name: try text("name", lg), definition: try text("definition", lg), best: try scalar("best", lg),
                    sigma: try scalar("sigma", lg), lambda: try vector(lg + "/lambda"), q: try vector(lg + "/q"),
                    deltaChi2: try vector(lg + "/delta_chi2"), theta: try matrix(lg + "/theta"), inside: try flags(lg + "/inside"),
                    converged: try flags(lg + "/converged"), intervals: try intervals(lg + "/intervals"),
                    warnings: try strings(lg + "/warnings")))
            case .mcmc:
                break
            }
        }
        if file.exists("/mcmc") { result.mcmc = try mcmc() }
        if file.exists("/notes") { result.notes = try strings("/notes") }
        return result
    }

    func mcmc() throws -> ScanMCMC {
        let (shape, samples) = try file.read("/mcmc/samples", as: Double.self)
        let chi2 = try vector("/mcmc/chi2")
        guard shape.count == 2, chi2.count == shape[0] else { throw PDFEmuError(file: file.path, "/mcmc/samples does not match /mcmc/chi2") }
        let p = shape[1]
        var chains: [ScanMCMCChain] = []
        for name in try file.members(of: "/mcmc") where name.hasPrefix("chain_") {
            let cg = "/mcmc/" + name
            var r = try MCMCResult.read(from: file, group: cg)
            let offset = try integer("sample_offset", cg), count = try integer("sample_count", cg)
            guard offset >= 0, count >= 0, offset + count <= chi2.count, r.parameterCount == p else {
                throw PDFEmuError(file: file.path, dataset: cg, "sample_offset/sample_count do not fit /mcmc/samples")
            }
            r.samples = Array(samples[(offset * p)..<((offset + count) * p)])
            r.chi2 = Array(chi2[offset..<(offset + count)])
            chains.append(ScanMCMCChain(index: try integer("index", cg), result: r))
        }
        guard !chains.isEmpty else { throw PDFEmuError(file: file.path, "/mcmc has no chain_C groups") }
        return try ScanMCMC(chainCount: try integer("chains", "/mcmc"), chains: chains)
    }

    func status(_ g: String) throws -> MinimiserStatus {
        let text = try text("status", g)
        guard let st = MinimiserStatus(rawValue: text) else { throw PDFEmuError(file: file.path, "\(g) status: '\(text)' is not a minimiser status") }
        return st
    }

    func intervals(_ g: String) throws -> [ProfileInterval] {
        let t = try vector(g + "/tolerance"), lo = try vector(g + "/lower"), hi = try vector(g + "/upper")
        let li = try flags(g + "/lower_inside"), ui = try flags(g + "/upper_inside"), rf = try flags(g + "/refined")
        return t.indices.map {
            ProfileInterval(tolerance: t[$0], lower: lo[$0].isNaN ? nil : lo[$0], upper: hi[$0].isNaN ? nil : hi[$0],
                            lowerInside: li[$0], upperInside: ui[$0], refined: rf[$0])
        }
    }
}
