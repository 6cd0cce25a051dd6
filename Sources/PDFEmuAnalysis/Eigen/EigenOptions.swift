import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// What `EigenvectorSets.compute` does.
public struct EigenOptions: Sendable, Codable, Equatable {
    /// T²: the members sit where Δχ² = T² along each direction. Must be > 0.
    public var tolerance: Double
    /// Apply CT's iterative re-diagonalisation to the basis before the line searches.
    public var iterate: Bool
    /// Most re-diagonalisations.
    public var maxIterations: Int
    /// Derived quantities for the master formulas: linear expressions of the parameters (a parameter
    /// name alone is one); nil: every free parameter.
    public var quantities: [String]?
    /// Compare each quantity's master-formula uncertainty with its Lagrange-scan interval at T².
    public var lagrange: Bool
    /// Also build the sets at the dynamic (CT tier-2) tolerance (nil: not).
    public var dynamic: DynamicToleranceOptions?
    /// Minimum, constraints (fixed, bounds), starts, minimiser settings; its tolerances, profiles,
    /// contours and MCMC are not used.
    public var scan: ScanOptions

    /// Creates options (default: no iteration, every free parameter as a quantity, with Lagrange comparison).
    public init(tolerance: Double, iterate: Bool = false, maxIterations: Int = 10, quantities: [String]? = nil,
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
    public func check() throws {
        guard tolerance > 0, tolerance.isFinite else { throw SettingError(.eigenTolerance, "T² must be > 0, got \(tolerance)") }
        guard maxIterations >= 1 else { throw SettingError(.eigenMaxIterations, "need at least 1, got \(maxIterations)") }
    }
}

extension Setting {
    /// The tolerance T² of eigenvector sets (and of L2 sensitivities).
    public static let eigenTolerance = Setting("eigen.tolerance")
    /// Iterations of the tolerance/eigenvector fixed point.
    public static let eigenMaxIterations = Setting("eigen.maxIterations")
    /// Data points of each experiment, for the dynamic tolerance.
    public static let experimentPoints = Setting("eigen.experimentPoints")
    /// x points of a PDF band.
    public static let xPoints = Setting("bands.xPoints")
    /// Fixed values of the theory's parameters when a set file is read.
    public static let bandsFixed = Setting("bands.fixed")
    /// Free parameters of the theory when a set file is read.
    public static let bandsFree = Setting("bands.free")
}
