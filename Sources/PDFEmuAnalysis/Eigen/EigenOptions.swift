import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// What `EigenvectorSets.compute` does.
package struct EigenOptions: Sendable, Codable, Equatable {
    /// T²: the members sit where Δχ² = T² along each direction. Must be > 0.
    package var tolerance: Double
    /// Apply CT's iterative re-diagonalisation to the basis before the line searches.
    package var iterate: Bool
    /// Most re-diagonalisations.
    package var maxIterations: Int
    /// Derived quantities for the master formulas: linear expressions of the parameters (a parameter
    /// name alone is one); nil: every free parameter.
    package var quantities: [String]?
    /// Compare each quantity's master-formula uncertainty with its Lagrange-scan interval at T².
    package var lagrange: Bool
    /// Also build the sets at the dynamic (CT tier-2) tolerance (nil: not).
    package var dynamic: DynamicToleranceOptions?
    /// Minimum, constraints (fixed, bounds), starts, minimiser settings; its tolerances, profiles,
    /// contours and MCMC are not used.
    package var scan: ScanOptions

    /// Creates options (default: no iteration, every free parameter as a quantity, with Lagrange comparison).
    package init(tolerance: Double, iterate: Bool = false, maxIterations: Int = 10, quantities: [String]? = nil,
                lagrange: Bool = true, dynamic: DynamicToleranceOptions? = nil, scan: ScanOptions = ScanOptions()) {
        self.dynamic = dynamic
        self.tolerance = tolerance
        self.iterate = iterate
        self.maxIterations = maxIterations
        self.quantities = quantities
        self.lagrange = lagrange
        self.scan = scan
    }

    /// Throws one line for T² ≤ 0 or a non-positive iteration count.
    package func validate() throws {
        guard tolerance > 0, tolerance.isFinite else { throw SettingError(.eigenTolerance, "T² must be > 0, got \(tolerance)") }
        guard maxIterations >= 1 else { throw SettingError(.eigenMaxIterations, "need at least 1, got \(maxIterations)") }
    }
}

extension Setting {
    /// The tolerance T² of eigenvector sets (and of L2 sensitivities).
    package static let eigenTolerance = Setting("eigen.tolerance")
    /// Iterations of the tolerance/eigenvector fixed point.
    package static let eigenMaxIterations = Setting("eigen.maxIterations")
    /// Data points of each experiment, for the dynamic tolerance.
    package static let experimentPoints = Setting("eigen.experimentPoints")
    /// x points of a PDF band.
    package static let xPoints = Setting("bands.xPoints")
    /// Fixed values of the theory's parameters when a set file is read.
    package static let bandsFixed = Setting("bands.fixed")
    /// Free parameters of the theory when a set file is read.
    package static let bandsFree = Setting("bands.free")
}
