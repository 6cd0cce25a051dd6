/// A parameter scan: N points in a P-dimensional parameter space with their total χ² and, optionally,
/// the χ² of each of E experiments. Rows are points; storage is row-major.
public struct ScanData: Sendable {
    /// Parameter names, P of them.
    package var parameterNames: [String]
    /// Parameter values, N×P row-major.
    package var parameters: [Double]
    /// Total χ² of each point, N of them.
    package var chi2: [Double]
    /// Experiment names, E of them (empty if the scan has no per-experiment χ²).
    package var experimentNames: [String]
    /// Per-experiment χ², N×E row-major (empty if none).
    package var chi2PerExperiment: [Double]
    /// Data points in each experiment, E of them (empty if unknown).
    package var ndataPerExperiment: [Int]
    /// Provenance: the files read, with their root attributes.
    package var sources: [ScanSource]
    /// Rows dropped because a parameter or χ² value was NaN or infinite.
    package var droppedRows: Int

    /// Number of points N.
    package var count: Int { chi2.count }
    /// Number of parameters P.
    package var parameterCount: Int { parameterNames.count }
    /// Number of experiments E.
    package var experimentCount: Int { experimentNames.count }

    /// Creates a scan from row-major arrays; checks their sizes agree.
    package init(parameterNames: [String], parameters: [Double], chi2: [Double],
                experimentNames: [String] = [], chi2PerExperiment: [Double] = [],
                ndataPerExperiment: [Int] = [], sources: [ScanSource] = [], droppedRows: Int = 0) {
        precondition(parameters.count == chi2.count * parameterNames.count, "parameters must be N×P")
        precondition(chi2PerExperiment.isEmpty || chi2PerExperiment.count == chi2.count * experimentNames.count,
                     "chi2PerExperiment must be N×E")
        self.parameterNames = parameterNames
        self.parameters = parameters
        self.chi2 = chi2
        self.experimentNames = experimentNames
        self.chi2PerExperiment = chi2PerExperiment
        self.ndataPerExperiment = ndataPerExperiment
        self.sources = sources
        self.droppedRows = droppedRows
    }

    /// Parameter vector of point `i`.
    package func point(_ i: Int) -> [Double] {
        let p = parameterCount
        return Array(parameters[(i * p)..<((i + 1) * p)])
    }

    /// Index of the point with the lowest χ².
    package var bestIndex: Int {
        var best = 0
        for i in chi2.indices where chi2[i] < chi2[best] { best = i }
        return best
    }
}

/// One file a scan was read from, with its root attributes (provenance).
package struct ScanSource: Sendable, Codable, Equatable {
    /// Path of the file.
    package var path: String
    /// Points read from it (after dropping bad rows).
    package var points: Int
    /// Root attributes as text.
    package var attributes: Provenance

    /// Creates the value from its stored properties.
    package init(path: String, points: Int, attributes: Provenance) {
        self.path = path
        self.points = points
        self.attributes = attributes
    }
}
