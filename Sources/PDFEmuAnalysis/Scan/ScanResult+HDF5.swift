import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// Reading and writing scan results as HDF5 (layout: docs/FORMAT.md, "Scan outputs").
extension ScanResult {
    /// Format tag stored in the root attribute "format".
    package static let formatTag = "pdfemu-scan"

    /// Writes the result to `path` atomically (nothing is left behind on failure). Timing is not stored.
    package func writeHDF5(to path: String) throws { try writeHDF5(to: path, extra: { _ in }) }

    /// Writes the result to `path` atomically with further groups written by `extra` into the same
    /// file before it is moved into place (e.g. `/verification`).
    package func writeHDF5(to path: String, extra: (borrowing HDF5File) throws -> Void) throws {
        try AtomicOutput.write(to: path) { tmp in
            let f = try HDF5File(create: tmp)
            let w = ScanH5Writer(file: f)
            try w.write(self)
            try extra(w.file)
            try w.file.flush()
        }
    }

    /// Reads a result written by `writeHDF5`; throws naming the file and object at fault.
    package static func readHDF5(_ path: String) throws -> ScanResult {
        let f = try HDF5File(open: path)
        guard f.hasAttribute("format"), try f.readStringAttribute("format") == formatTag else {
            throw PDFEmuError("\(path): not a pdfemu scan output (root attribute format ≠ \(formatTag))")
        }
        return try ScanH5Reader(file: f).read()
    }
}

/// Writes the groups of a scan result into an open file.
private struct ScanH5Writer: ~Copyable {
    let file: HDF5File

    func d(_ path: String, _ v: [Double]) throws { try file.writeVector(path, v) }
    func b(_ path: String, _ v: [Bool]) throws { try file.writeFlags(path, v) }
    func m(_ path: String, _ rows: [[Double]], cols: Int) throws { try file.writeMatrixRows(path, rows, columns: cols) }
    func s(_ path: String, _ v: [String]) throws { try file.writeStringList(path, v) }
    func a(_ name: String, _ v: Double, _ obj: String) throws { try file.setScalar(name, v, of: obj) }
    func a(_ name: String, _ v: String, _ obj: String) throws { try file.writeAttribute(name, v, of: obj) }

    func write(_ r: ScanResult) throws {
        let p = r.parameterNames.count
        try a("format", ScanResult.formatTag, "/")
        try file.writeAttribute("format_version", [Int32(1)], of: "/")
        try a("pdfemu_version", pdfemuVersion, "/")
        try a("run_id", r.runID, "/")
        if let sh = r.shard {
            try file.setInteger("shard_index", sh.index, of: "/")
            try file.setInteger("shard_count", sh.count, of: "/")
        }
        try s("/parameter_names", r.parameterNames)
        try s("/experiment_names", r.experimentNames)
        try d("/tolerances", r.tolerances)
        try s("/units", r.units)
        // Minimum.
        let mn = r.minimum, g = "/minimum"
        try file.createGroup(g)
        try a("chi2", mn.chi2, g); try a("edm", mn.edm, g); try a("spread", mn.spread, g)
        if let sm = mn.sampleMinimum { try a("sample_minimum", sm, g) }
        if let st = mn.spreadStatus { try file.writeAttribute("spread_status", st.rawValue, of: g) }
        try file.setFlag("converged", mn.converged, of: g)
        try file.setInteger("iterations", mn.iterations, of: g)
        try file.setInteger("evaluations", mn.evaluations, of: g)
        try a("status", mn.status.rawValue, g)
        if let dm = mn.domain {
            try file.setFlag("inside", dm.inside, of: g)
            try file.setFlag("in_box", dm.inBox, of: g)
            try a("neighbour_distance", dm.neighbourDistance, g)
            try a("radius", dm.radius, g)
            try a("max_training_radius", dm.maxTrainingRadius, g)
        }
        try d(g + "/theta", mn.theta)
        try d(g + "/per_experiment", mn.perExperiment)
        try s(g + "/at_bound", mn.atBound)
        try s(g + "/constraint_kind", mn.constraints.map { c -> String in
            switch c { case .free: return "free"; case .fixed: return "fixed"; case .bounded: return "bounded" } })
        try d(g + "/constraint_lower", mn.constraints.map { $0.lower })
        try d(g + "/constraint_upper", mn.constraints.map { $0.upper })
        try d(g + "/start_chi2", mn.startChi2)
        try b(g + "/start_converged", mn.startConverged)
        try s(g + "/warnings", mn.warnings)
        // Hessian.
        let h = r.hessian, hg = "/hessian", n = h.parameters.count
        try file.createGroup(hg)
        try file.setFlag("positive_definite", h.positiveDefinite, of: hg)
        try s(hg + "/parameters", h.parameters)
        try file.writeIntegers(hg + "/indices", h.indices)
        try file.write(hg + "/matrix", h.halfHessian, shape: [n, n])
        try d(hg + "/eigenvalues", h.eigenvalues)
        try file.write(hg + "/eigenvectors", h.eigenvectors, shape: [n, n])
        try file.write(hg + "/covariance", h.covariance, shape: [n, n])
        try file.write(hg + "/correlation", h.correlation, shape: [n, n])
        try d(hg + "/sigma", h.sigma)
        try d(hg + "/tolerances", h.tolerances)
        try m(hg + "/errors", h.errors, cols: n)
        try s(hg + "/warnings", h.warnings)
        // Profiles.
        for pr in r.profiles {
            let pg = ScanUnitKind.profile.group(pr.parameter)
            try file.createGroup(pg)
            try a("parameter", pr.parameter, pg)
            try file.setInteger("index", pr.index, of: pg)
            try a("best", pr.best, pg)
            try d(pg + "/values", pr.values)
            try d(pg + "/delta_chi2", pr.deltaChi2)
            try m(pg + "/theta", pr.theta, cols: p)
            try m(pg + "/per_experiment", pr.perExperiment, cols: r.experimentNames.count)
            try d(pg + "/spread", pr.spread)
            try b(pg + "/inside", pr.inside)
            try b(pg + "/converged", pr.converged)
            try intervals(pg + "/intervals", pr.intervals)
            try s(pg + "/warnings", pr.warnings)
        }
        // Contours.
        for c in r.contours {
            let cg = ScanUnitKind.contour.group(ScanUnitKind.contourLabel(c.a, c.b))
            try file.createGroup(cg)
            try a("a", c.a, cg); try a("b", c.b, cg)
            try file.writeAttribute("levels", c.levels.map { $0.level }, of: cg)
            for l in c.levels {
                let lg = cg + "/level_\(l.level)"
                try file.createGroup(lg)
                try a("level", l.level, lg)
                try d(lg + "/a", l.a); try d(lg + "/b", l.b)
                try d(lg + "/delta_chi2", l.deltaChi2)
                try m(lg + "/theta", l.theta, cols: p)
                try b(lg + "/inside", l.inside); try b(lg + "/converged", l.converged); try b(lg + "/open", l.open)
            }
            try s(cg + "/warnings", c.warnings)
        }
        // Lagrange scans.
        for l in r.lagrange {
            let lg = ScanUnitKind.lagrange.group(l.name)
            try file.createGroup(lg)
            try a("name", l.name, lg); try a("definition", l.definition, lg)
            try a("best", l.best, lg); try a("sigma", l.sigma, lg)
            try d(lg + "/lambda", l.lambda); try d(lg + "/q", l.q); try d(lg + "/delta_chi2", l.deltaChi2)
            try m(lg + "/theta", l.theta, cols: p)
            try b(lg + "/inside", l.inside); try b(lg + "/converged", l.converged)
            try intervals(lg + "/intervals", l.intervals)
            try s(lg + "/warnings", l.warnings)
        }
        // Restarts from a lower minimum, and lower points reported and not followed (only when there are any).
        if let notes = r.notes, !notes.isEmpty { try s("/notes", notes) }
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
        try d(g + "/tolerance", v.map { $0.tolerance })
        try d(g + "/lower", v.map { $0.lower ?? .nan })
        try d(g + "/upper", v.map { $0.upper ?? .nan })
        try b(g + "/lower_inside", v.map { $0.lowerInside })
        try b(g + "/upper_inside", v.map { $0.upperInside })
        try b(g + "/refined", v.map { $0.refined })
    }
}

/// Reads the groups of a scan result from an open file.
private struct ScanH5Reader: ~Copyable {
    let file: HDF5File

    func d(_ path: String) throws -> [Double] { try file.vector(path) }
    func i(_ path: String) throws -> [Int] { try file.integers(path) }
    func b(_ path: String) throws -> [Bool] { try file.flags(path) }
    func m(_ path: String) throws -> [[Double]] { try file.matrixRows(path) }
    func s(_ path: String) throws -> [String] { try file.stringList(path) }
    func a(_ name: String, _ obj: String) throws -> Double { try file.scalar(name, of: obj) }
    func ai(_ name: String, _ obj: String) throws -> Int { try file.integer(name, of: obj) }
    func astr(_ name: String, _ obj: String) throws -> String { try file.readStringAttribute(name, of: obj) }

    func read() throws -> ScanResult {
        let names = try s("/parameter_names")
        var shard: ShardSpec?
        if file.hasAttribute("shard_index") {
            shard = ShardSpec(index: try ai("shard_index", "/"), count: try ai("shard_count", "/"))
        }
        let g = "/minimum"
        let kinds = try s(g + "/constraint_kind"), lo = try d(g + "/constraint_lower"), hi = try d(g + "/constraint_upper")
        guard kinds.count == names.count, lo.count == names.count, hi.count == names.count else {
            throw PDFEmuError("\(file.path): /minimum constraints do not match /parameter_names")
        }
        let constraints: [ParameterConstraint] = (0..<names.count).map { k in
            switch kinds[k] { case "fixed": return .fixed(lo[k]); case "bounded": return .bounded(lower: lo[k], upper: hi[k])
            default: return .free }
        }
        let domain = !file.hasAttribute("inside", of: g) ? nil : DomainCheck(inside: try a("inside", g) != 0, inBox: try a("in_box", g) != 0,
                                 neighbourDistance: try a("neighbour_distance", g), radius: try a("radius", g),
                                 maxTrainingRadius: try a("max_training_radius", g))
        let minimum = ScanMinimum(chi2: try a("chi2", g), theta: try d(g + "/theta"), converged: try a("converged", g) != 0,
                                  status: try status(g), iterations: try ai("iterations", g),
                                  evaluations: try ai("evaluations", g), edm: try a("edm", g), atBound: try s(g + "/at_bound"),
                                  constraints: constraints, perExperiment: try d(g + "/per_experiment"),
                                  spread: try a("spread", g), domain: domain, sampleMinimum: file.hasAttribute("sample_minimum", of: g) ? try a("sample_minimum", g) : nil,
                                  startChi2: try d(g + "/start_chi2"), startConverged: try b(g + "/start_converged"),
                                  warnings: try s(g + "/warnings"),
                                  spreadStatus: file.hasAttribute("spread_status", of: g)
                                      ? SpreadStatus(rawValue: try file.readStringAttribute("spread_status", of: g)) : nil)
        let hg = "/hessian"
        let hessian = HessianAnalysis(parameters: try s(hg + "/parameters"), indices: try i(hg + "/indices"),
                                      halfHessian: try d(hg + "/matrix"), eigenvalues: try d(hg + "/eigenvalues"),
                                      eigenvectors: try d(hg + "/eigenvectors"),
                                      positiveDefinite: try a("positive_definite", hg) != 0,
                                      covariance: try d(hg + "/covariance"), correlation: try d(hg + "/correlation"),
                                      sigma: try d(hg + "/sigma"), tolerances: try d(hg + "/tolerances"),
                                      errors: try m(hg + "/errors"), warnings: try s(hg + "/warnings"))
        let units = try s("/units")
        var result = ScanResult(runID: try astr("run_id", "/"), parameterNames: names,
                                experimentNames: try s("/experiment_names"), tolerances: try d("/tolerances"),
                                minimum: minimum, hessian: hessian, units: units, profiles: [], contours: [], lagrange: [],
                                shard: shard, timing: nil)
        for unit in units {
            guard let (kind, label) = ScanUnitKind.parse(unit) else { throw PDFEmuError("\(file.path): /units: '\(unit)' is of no known kind") }
            let group = kind.group(label)
            guard kind != .mcmc, file.exists(group) else { continue }  // MCMC runs are read below; a shard holds some units only
            switch kind {
            case .profile:
                let pg = group
                result.profiles.append(ProfileResult(
                    parameter: try astr("parameter", pg), index: try ai("index", pg), best: try a("best", pg),
                    values: try d(pg + "/values"), deltaChi2: try d(pg + "/delta_chi2"), theta: try m(pg + "/theta"),
                    perExperiment: try m(pg + "/per_experiment"), spread: try d(pg + "/spread"),
                    inside: try b(pg + "/inside"), converged: try b(pg + "/converged"),
                    intervals: try intervals(pg + "/intervals"), warnings: try s(pg + "/warnings")))
            case .contour:
                let cg = group
                let levelValues: [Double] = try file.readNumericAttribute("levels", of: cg)
                var levels: [ContourLevel] = []
                for lv in levelValues {
                    let lg = cg + "/level_\(lv)"
                    levels.append(ContourLevel(level: try a("level", lg), a: try d(lg + "/a"), b: try d(lg + "/b"),
                                               deltaChi2: try d(lg + "/delta_chi2"), theta: try m(lg + "/theta"),
                                               inside: try b(lg + "/inside"), converged: try b(lg + "/converged"),
                                               open: try b(lg + "/open")))
                }
                result.contours.append(ContourResult(a: try astr("a", cg), b: try astr("b", cg), levels: levels,
                                                     warnings: try s(cg + "/warnings")))
            case .lagrange:
                let lg = group
                result.lagrange.append(LagrangeResult(
                    name: try astr("name", lg), definition: try astr("definition", lg), best: try a("best", lg),
                    sigma: try a("sigma", lg), lambda: try d(lg + "/lambda"), q: try d(lg + "/q"),
                    deltaChi2: try d(lg + "/delta_chi2"), theta: try m(lg + "/theta"), inside: try b(lg + "/inside"),
                    converged: try b(lg + "/converged"), intervals: try intervals(lg + "/intervals"),
                    warnings: try s(lg + "/warnings")))
            case .mcmc:
                break
            }
        }
        if file.exists("/mcmc") { result.mcmc = try mcmc() }
        if file.exists("/notes") { result.notes = try s("/notes") }
        return result
    }

    func mcmc() throws -> ScanMCMC {
        let (shape, samples) = try file.read("/mcmc/samples", as: Double.self)
        let chi2 = try d("/mcmc/chi2")
        guard shape.count == 2, chi2.count == shape[0] else { throw PDFEmuError("\(file.path): /mcmc/samples does not match /mcmc/chi2") }
        let p = shape[1]
        var chains: [ScanMCMCChain] = []
        for name in try file.members(of: "/mcmc") where name.hasPrefix("chain_") {
            let cg = "/mcmc/" + name
            var r = try MCMCResult.read(from: file, group: cg)
            let offset = try ai("sample_offset", cg), count = try ai("sample_count", cg)
            guard offset >= 0, count >= 0, offset + count <= chi2.count, r.parameterCount == p else {
                throw PDFEmuError("\(file.path): \(cg): sample_offset/sample_count do not fit /mcmc/samples")
            }
            r.samples = Array(samples[(offset * p)..<((offset + count) * p)])
            r.chi2 = Array(chi2[offset..<(offset + count)])
            chains.append(ScanMCMCChain(index: try ai("index", cg), result: r))
        }
        guard !chains.isEmpty else { throw PDFEmuError("\(file.path): /mcmc has no chain_C groups") }
        return try ScanMCMC(chainCount: try ai("chains", "/mcmc"), chains: chains)
    }

    func status(_ g: String) throws -> MinimiserStatus {
        let text = try astr("status", g)
        guard let st = MinimiserStatus(rawValue: text) else { throw PDFEmuError("\(file.path): \(g) status: '\(text)' is not a minimiser status") }
        return st
    }

    func intervals(_ g: String) throws -> [ProfileInterval] {
        let t = try d(g + "/tolerance"), lo = try d(g + "/lower"), hi = try d(g + "/upper")
        let li = try b(g + "/lower_inside"), ui = try b(g + "/upper_inside"), rf = try b(g + "/refined")
        return t.indices.map {
            ProfileInterval(tolerance: t[$0], lower: lo[$0].isNaN ? nil : lo[$0], upper: hi[$0].isNaN ? nil : hi[$0],
                            lowerInside: li[$0], upperInside: ui[$0], refined: rf[$0])
        }
    }
}
