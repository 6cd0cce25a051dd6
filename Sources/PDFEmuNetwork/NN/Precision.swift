import PDFEmuCore
import PDFEmuIO
/// The floating-point precision a network is trained and stored in (the raw value is the config and
/// file spelling).
package enum Precision: String, Sendable, Codable, Equatable, CaseIterable {
    /// Single precision (Float): the default, twice the BLAS throughput.
    case float32
    /// Double precision.
    case float64
}
