import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// One end of an eigenvector direction: θ₀ ± t·d_k where Δχ² = T² (see `EigenBasis` for the units of t).
package struct EigenEnd: Sendable, Codable, Equatable {
    /// +1 or −1: the side of the direction.
    package var sign: Int
    /// Distance t where Δχ² = T² (in the basis units: the quadratic prediction is T); nil: open end.
    package var distance: Double?
    /// The quadratic prediction of the distance, T.
    package var quadraticDistance: Double
    /// distance / quadraticDistance (nil for an open end): 1 for an exactly quadratic χ².
    package var ratio: Double? { distance.map { $0 / quadraticDistance } }
    /// Δχ² at the quadratic prediction θ₀ ± T·d_k (T² for an exactly quadratic χ²).
    package var deltaChi2AtQuadratic: Double
    /// Δχ² at the end (T² within the root-finding tolerance); nil for an open end.
    package var deltaChi2: Double?
    /// The member's parameters (all P); nil for an open end.
    package var theta: [Double]?
    /// Whether the end is inside the model's training region (true for a model without one).
    package var inside: Bool
    /// Why the end is open (nil when found).
    package var openReason: String?
}

/// One eigenvector direction and its two ends.
package struct EigenDirection: Sendable, Codable, Equatable {
    /// 1-based direction number k (members 2k−1 and 2k).
    package var index: Int
    /// The direction d_k (P values).
    package var direction: [Double]
    /// λ_k of H = ½∇²χ² (first diagonalisation).
    package var eigenvalue: Double
    /// The + end (member 2k−1).
    package var plus: EigenEnd
    /// The − end (member 2k).
    package var minus: EigenEnd
}
