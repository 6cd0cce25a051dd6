import PDFEmuCore

extension ProfileResult {
    /// A profile built outside a scan (refine's Lagrange coordinate): grid values, Δχ², points (one entry
    /// per grid value each) and intervals; no per-experiment values, spread or domain flags.
    package static func path(parameter: String, index: Int, best: Double, values: [Double], deltaChi2: [Double],
                             theta: [[Double]], intervals: [ProfileInterval]) -> ProfileResult {
        ProfileResult(parameter: parameter, index: index, best: best, values: values, deltaChi2: deltaChi2, theta: theta,
                      perExperiment: [], spread: [], inside: [], converged: [], intervals: intervals, warnings: [])
    }
}
