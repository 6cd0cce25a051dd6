import PDFEmuCore
/// The points an oracle is asked about: N points of P named parameters, row-major.
public struct OraclePoints: Sendable, Equatable {
    /// Parameter names [P], in column order; unique.
    public var parameterNames: [String]
    /// Parameter values [N, P] row-major (row i = point i).
    package var values: [Double]

    /// Number of points N.
    public var count: Int { parameterNames.isEmpty ? 0 : values.count / parameterNames.count }

    /// Creates points; throws if `values` is not N×P, the names repeat, or a value is NaN or infinite.
    public init(parameterNames: [String], values: [Double]) throws(OracleError) {
        guard !parameterNames.isEmpty else { throw OracleError(.parameters, "no parameters (P = 0)") }
        guard values.count % parameterNames.count == 0 else {
            throw OracleError(.parameters, "\(values.count) values do not fill rows of \(parameterNames.count) parameters")
        }
        guard Set(parameterNames).count == parameterNames.count else {
            throw OracleError(.parameters, "parameter names are not unique")
        }
        if let k = values.firstIndex(where: { !$0.isFinite }) {
            let p = parameterNames.count
            throw OracleError(.parameters, "row \(k / p): \(parameterNames[k % p]) is \(values[k])")
        }
        self.parameterNames = parameterNames
        self.values = values
    }

    /// Point `i` [P].
    public func point(_ i: Int) -> [Double] {
        let p = parameterNames.count
        return Array(values[(i * p)..<((i + 1) * p)])
    }

    /// The points of `rows` (a contiguous block, e.g. one chunk or one shard).
    package func rows(_ rows: Range<Int>) -> OraclePoints {
        let p = parameterNames.count
        var r = self
        r.values = Array(values[(rows.lowerBound * p)..<(rows.upperBound * p)])
        return r
    }

    /// The values with columns reordered to `names` (N × names.count row-major). Throws naming the
    /// parameters `names` needs that the points lack; extra columns are ignored.
    package func columns(_ names: [String]) throws(OracleError) -> [Double] {
        let index = Dictionary(parameterNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let missing = names.filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw OracleError(.parameters, "/parameter_names lacks \(missing.joined(separator: ", ")) (needed: \(names.joined(separator: ",")))")
        }
        if names == parameterNames { return values }
        let p = parameterNames.count, cols = names.map { index[$0]! }
        var out = [Double](repeating: 0, count: count * cols.count)
        for i in 0..<count { for (j, c) in cols.enumerated() { out[i * cols.count + j] = values[i * p + c] } }
        return out
    }

    /// Reads `/parameters` [N, P] (a single point may be stored as [P]) and `/parameter_names` [P] from a
    /// points file (a scan file is one). Throws one line naming the file and the dataset at fault.
    public static func read(_ path: String) throws -> OraclePoints {
        let file = try HDF5File(open: path)
        guard file.isDataset("/parameters") else { throw PDFEmuError(file: path, dataset: "/parameters", "no such dataset") }
        guard file.isDataset("/parameter_names") else {
            throw PDFEmuError(file: path, dataset: "/parameter_names", "no such dataset (columns are matched by name)")
        }
        let names = try file.readStrings("/parameter_names")
        let (shape, values) = try file.read("/parameters", as: Double.self)
        guard shape.count == 2 || shape.count == 1 else {
            throw PDFEmuError(file: path, dataset: "/parameters", "shape \(shape), expected [N, P]")
        }
        let cols = shape.count == 2 ? shape[1] : shape[0]
        guard cols == names.count else {
            throw PDFEmuError(file: path, "/parameter_names has \(names.count) names but /parameters has \(cols) columns")
        }
        guard !values.isEmpty else { throw PDFEmuError(file: path, dataset: "/parameters", "is empty (shape \(shape))") }
        guard Set(names).count == names.count else { throw PDFEmuError(file: path, dataset: "/parameter_names", "parameter names are not unique") }
        do { return try OraclePoints(parameterNames: names, values: values) } catch {
            throw PDFEmuError(file: path, dataset: "/parameters", error.message)
        }
    }
}

extension HDF5File {
    /// Writes the points-file layout that every points and scan file shares: `/parameters` [N, P]
    /// float64 (row-major `values`) and `/parameter_names` [P]. The one writer of that layout; the
    /// reader is `OraclePoints.read`.
    package func writePoints(_ values: [Double], parameterNames: [String], options: HDF5WriteOptions = .plain) throws(HDF5Error) {
        let p = parameterNames.count
        precondition(p > 0 && values.count % p == 0, "points must be [N, \(p)]")
        try write("/parameters", values, shape: [values.count / p, p], options: options)
        try writeStrings("/parameter_names", parameterNames)
    }

    /// Writes `points` in the points-file layout (`writePoints(_:parameterNames:options:)`).
    package func writePoints(_ points: OraclePoints, options: HDF5WriteOptions = .plain) throws(HDF5Error) {
        try writePoints(points.values, parameterNames: points.parameterNames, options: options)
    }
}
