import PDFEmuCore
/// How the parameter matrix is laid out on disk.
package enum ScanLayout: String, Sendable, Codable, CaseIterable {
    /// Decide from the shapes: rows are points unless only the transposed reading fits.
    case auto
    /// [N, P]: each row is a point.
    case rows
    /// [P, N]: each column is a point.
    case transposed
}

/// Where to find the scan's datasets. Every path may be nil: the reader then tries the usual names.
package struct ScanReadOptions: Sendable, Codable, Equatable {
    /// Dataset of the parameter matrix.
    package var parameters: String?
    /// Dataset of the target (total χ², or another scalar such as a cross section).
    package var chi2: String?
    /// Dataset of the per-experiment χ² [N, E] (nil: try "/chi2_per_experiment"; "" to ignore).
    package var chi2PerExperiment: String?
    /// Dataset of the parameter names.
    package var parameterNames: String?
    /// Layout of the parameter matrix.
    package var layout: ScanLayout

    /// Creates options; all defaults find the documented format.
    package init(parameters: String? = nil, chi2: String? = nil, chi2PerExperiment: String? = nil,
                parameterNames: String? = nil, layout: ScanLayout = .auto) {
        self.parameters = parameters
        self.chi2 = chi2
        self.chi2PerExperiment = chi2PerExperiment
        self.parameterNames = parameterNames
        self.layout = layout
    }

    static let parameterCandidates = ["/parameters", "/params", "/theta", "/x", "/X"]
    static let chi2Candidates = ["/chi2", "/chisq", "/chi2_total", "/y"]
    static let nameCandidates = ["/parameter_names", "/param_names", "/names"]
}

/// Reads scan files (docs/FORMAT.md) into a `ScanData`, checking every shape and name.
package enum ScanReader {
    /// Reads one or more files and concatenates their points; the files must agree on parameter and
    /// experiment names. Rows with a NaN or infinite value are dropped and counted.
    package static func read(_ paths: [String], options: ScanReadOptions = ScanReadOptions()) throws -> ScanData {
        guard let first = paths.first else { throw PDFEmuError(file: "", "no scan file given") }
        try FileIdentity.refuseRepeats(paths, what: "scan files")
        var scan = try readOne(first, options: options)
        for path in paths.dropFirst() {
            let next = try readOne(path, options: options)
            guard next.parameterNames == scan.parameterNames else {
                throw PDFEmuError(file: path, "parameter names \(next.parameterNames.joined(separator: ",")) differ from "
                                  + "\(first)'s \(scan.parameterNames.joined(separator: ","))")
            }
            guard next.experimentNames == scan.experimentNames else {
                throw PDFEmuError(file: path, "experiment names differ from \(first)'s")
            }
            scan.parameters += next.parameters
            scan.chi2 += next.chi2
            scan.chi2PerExperiment += next.chi2PerExperiment
            scan.sources += next.sources
            scan.droppedRows += next.droppedRows
        }
        return scan
    }

    /// Reads one scan file.
    package static func readOne(_ path: String, options: ScanReadOptions = ScanReadOptions()) throws -> ScanData {
        let file = try HDF5File(open: path)
        func locate(_ given: String?, _ candidates: [String], _ what: String) throws -> String {
            if let given {
                let p = given.hasPrefix("/") ? given : "/" + given
                try file.validateLink(p)
                guard file.isDataset(p) else { throw PDFEmuError(file: path, dataset: p, "no such dataset (\(what))") }
                return p
            }
            for c in candidates { try file.validateLink(c) }
            guard let p = candidates.first(where: { file.isDataset($0) }) else {
                throw PDFEmuError(file: path, "no \(what) dataset (looked for \(candidates.joined(separator: ", ")))")
            }
            return p
        }
        let paramsPath = try locate(options.parameters, ScanReadOptions.parameterCandidates, "parameters")
        let chi2Path = try locate(options.chi2, ScanReadOptions.chi2Candidates, "chi2")

        let chi2Info = try file.info(chi2Path)
        guard chi2Info.elementClass == .float || chi2Info.elementClass == .integer else {
            throw PDFEmuError(file: path, dataset: chi2Path, "is a \(chi2Info.elementClass.rawValue) dataset, expected numbers")
        }
        guard chi2Info.shape.count == 1 || (chi2Info.shape.count == 2 && chi2Info.shape.contains(1)) else {
            throw PDFEmuError(file: path, dataset: chi2Path, "has shape \(chi2Info.shape), expected 1-D [N]")
        }
        let n = chi2Info.count
        guard n > 0 else { throw PDFEmuError(file: path, dataset: chi2Path, "is empty (no points)") }

        let pInfo = try file.info(paramsPath)
        guard pInfo.elementClass == .float || pInfo.elementClass == .integer else {
            throw PDFEmuError(file: path, dataset: paramsPath, "is a \(pInfo.elementClass.rawValue) dataset, expected numbers")
        }
        guard pInfo.shape.count == 2 else {
            throw PDFEmuError(file: path, dataset: paramsPath, "is \(pInfo.shape.count)-D with shape \(pInfo.shape), expected 2-D [N, P]")
        }
        guard pInfo.count > 0 else { throw PDFEmuError(file: path, dataset: paramsPath, "is empty (shape \(pInfo.shape))") }

        // Names (optional): they decide the layout when given.
        var names: [String]? = nil
        let namesPath = options.parameterNames.map { $0.hasPrefix("/") ? $0 : "/" + $0 }
            ?? ScanReadOptions.nameCandidates.first(where: { file.isDataset($0) })
        if let namesPath {
            guard file.isDataset(namesPath) else { throw PDFEmuError(file: path, dataset: namesPath, "no such dataset (parameter names)") }
            names = try file.readStrings(namesPath)
        }

        let (a, b) = (pInfo.shape[0], pInfo.shape[1])
        var layout = options.layout
        if layout == .auto {
            if a == n && (names == nil || names!.count == b) { layout = .rows }
            else if b == n && (names == nil || names!.count == a) { layout = .transposed }
            else if a == n || b == n {
                let p = a == n ? b : a
                throw PDFEmuError(file: path, dataset: namesPath ?? "parameter names", "has \(names!.count) names but \(paramsPath) has \(p) parameters")
            } else {
                throw PDFEmuError(file: path, "\(paramsPath) has shape [\(a), \(b)] but \(chi2Path) has \(n) points")
            }
        }
        let (np, p) = layout == .rows ? (a, b) : (b, a)
        guard np == n else {
            throw PDFEmuError(file: path, "\(paramsPath) has \(np) points (\(layout == .rows ? "rows" : "columns")) but \(chi2Path) has \(n)")
        }
        if let names, names.count != p {
            throw PDFEmuError(file: path, dataset: namesPath!, "has \(names.count) names but \(paramsPath) has \(p) parameters")
        }
        let parameterNames = names ?? (0..<p).map { "p\($0)" }
        if let namesPath { try NameRules.validate(parameterNames, what: "parameter", source: .dataset(file: path, name: namesPath)) }

        var raw = try file.read(paramsPath, as: Double.self).values
        if layout == .transposed {
            var t = [Double](repeating: 0, count: raw.count)
            for i in 0..<p { for j in 0..<n { t[j * p + i] = raw[i * n + j] } }
            raw = t
        }
        let chi2 = try file.read(chi2Path, as: Double.self).values

        // Per-experiment χ² (optional).
        var expNames: [String] = []
        var perExp: [Double] = []
        var ndata: [Int] = []
        let perPath: String? = options.chi2PerExperiment.map { $0.isEmpty ? nil : ($0.hasPrefix("/") ? $0 : "/" + $0) }
            ?? (file.isDataset("/chi2_per_experiment") ? "/chi2_per_experiment" : nil)
        if let perPath {
            let info = try file.info(perPath)
            guard info.elementClass == .float || info.elementClass == .integer else {
                throw PDFEmuError(file: path, dataset: perPath, "is a \(info.elementClass.rawValue) dataset, expected numbers")
            }
            guard info.shape.count == 2, info.shape[0] == n else {
                throw PDFEmuError(file: path, dataset: perPath, "has shape \(info.shape), expected [\(n), E]")
            }
            let e = info.shape[1]
            perExp = try file.read(perPath, as: Double.self).values
            if file.isDataset("/experiment_names") {
                expNames = try file.readStrings("/experiment_names")
                guard expNames.count == e else {
                    throw PDFEmuError(file: path, dataset: "/experiment_names", "has \(expNames.count) names but \(perPath) has \(e) experiments")
                }
                try NameRules.validate(expNames, what: "experiment", source: .dataset(file: path, name: "/experiment_names"))
            } else {
                expNames = (0..<e).map { "exp\($0)" }
            }
            if file.isDataset("/ndata_per_experiment") {
                let nd = try file.read("/ndata_per_experiment", as: Int64.self).values
                guard nd.count == e else {
                    throw PDFEmuError(file: path, dataset: "/ndata_per_experiment", "has \(nd.count) entries but \(perPath) has \(e) experiments")
                }
                if let bad = nd.firstIndex(where: { $0 <= 0 }) {
                    throw PDFEmuError(file: path, dataset: "/ndata_per_experiment", "entry \(bad) (\(expNames[bad])) is \(nd[bad]), must be > 0")
                }
                ndata = nd.map { Int($0) }
            }
        }

        // Drop rows with any NaN/Inf.
        let e = expNames.count
        var keep: [Int] = []
        keep.reserveCapacity(n)
        for i in 0..<n {
            var ok = chi2[i].isFinite
            if ok { for j in 0..<p where !raw[i * p + j].isFinite { ok = false; break } }
            if ok && e > 0 { for j in 0..<e where !perExp[i * e + j].isFinite { ok = false; break } }
            if ok { keep.append(i) }
        }
        guard !keep.isEmpty else {
            throw PDFEmuError(file: path, "all \(n) rows have NaN or infinite values in \(paramsPath) or \(chi2Path)")
        }
        var params = raw, c2 = chi2, pe = perExp
        if keep.count < n {
            params = []; params.reserveCapacity(keep.count * p)
            c2 = []; c2.reserveCapacity(keep.count)
            pe = []; pe.reserveCapacity(keep.count * e)
            for i in keep {
                params.append(contentsOf: raw[(i * p)..<((i + 1) * p)])
                c2.append(chi2[i])
                if e > 0 { pe.append(contentsOf: perExp[(i * e)..<((i + 1) * e)]) }
            }
        }
        let attrs = (try? file.provenance()) ?? []
        return ScanData(parameterNames: parameterNames, parameters: params, chi2: c2, experimentNames: expNames,
                        chi2PerExperiment: pe, ndataPerExperiment: ndata,
                        sources: [ScanSource(path: path, points: keep.count, attributes: attrs)],
                        droppedRows: n - keep.count)
    }
}
