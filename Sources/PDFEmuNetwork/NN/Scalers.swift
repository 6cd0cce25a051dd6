import PDFEmuCore
import PDFEmuIO
/// The input and output scalers of an emulator, shared by all its members (stored once, in /scalers).
/// Input: x = A·(θ − inputMean) with A = `inputTransform` (P×P row-major; diagonal 1/σ when
/// standardising, L⁻¹ of the training points' covariance when whitening). Output o in physical units
/// = outputShift[o] + h_o(outputScale[o] · network output o), h_o(g) = g, or c·(e^{g/c} − 1) with
/// c = outputLogScale[o] > 0 (the network learns c·log(1 + Δ/c)).
package struct Scalers: Sendable, Equatable {
    /// Mean of the training parameters [P].
    package let inputMean: [Double]
    /// The matrix A [P×P row-major].
    package let inputTransform: [Double]
    /// Output shifts [O] (physical units).
    package let outputShift: [Double]
    /// Output scales [O].
    package let outputScale: [Double]
    /// c of the log target transform of each output [O] (0: linear).
    package let outputLogScale: [Double]

    /// Creates scalers; `outputLogScale` nil means linear outputs.
    package init(inputMean: [Double], inputTransform: [Double], outputShift: [Double], outputScale: [Double],
                outputLogScale: [Double]? = nil) {
        precondition(inputTransform.count == inputMean.count * inputMean.count, "input transform must be P×P")
        precondition(outputScale.count == outputShift.count, "output scale and shift must have one entry per output")
        self.inputMean = inputMean
        self.inputTransform = inputTransform
        self.outputShift = outputShift
        self.outputScale = outputScale
        self.outputLogScale = outputLogScale ?? [Double](repeating: 0, count: outputShift.count)
    }
}
