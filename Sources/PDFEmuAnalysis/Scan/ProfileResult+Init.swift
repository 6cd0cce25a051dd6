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

extension ProfileInterval {
    /// An interval built outside a scan (refine's contour rays): its ends (nil: open), both inside the
    /// domain and located by root finding.
    package static func ends(tolerance: Double, lower: Double?, upper: Double?) -> ProfileInterval {
        ProfileInterval(tolerance: tolerance, lower: lower, upper: upper, lowerInside: true, upperInside: true, refined: true)
    }
}
