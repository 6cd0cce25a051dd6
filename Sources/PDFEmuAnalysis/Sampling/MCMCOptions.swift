import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// Settings of the affine-invariant ensemble sampler (`EnsembleSampler`).
package struct MCMCOptions: Sendable, Codable, Equatable {
    /// Number of walkers (even, ≥ 2P and ≥ 4); 0 picks max(32, 4P) rounded up to even.
    package var walkers: Int
    /// Steps per walker kept after burn-in (total steps = `burnIn + steps`).
    package var steps: Int
    /// Steps per walker discarded at the start.
    package var burnIn: Int
    /// Keep every `thin`-th kept step in the output samples (diagnostics use every step).
    package var thin: Int
    /// Seed of the random generator: the same seed, model and options give identical samples.
    package var seed: UInt64
    /// Tolerance scale T²: the target density is p(θ) ∝ exp(−χ²(θ) / (2 T²)). 1 is the usual likelihood.
    package var temperature2: Double
    /// Stretch-move scale a > 1 (Goodman & Weare; 2 is standard).
    package var stretch: Double
    /// Per-parameter lower bounds (proposals below are rejected); nil for none.
    package var lower: [Double]?
    /// Per-parameter upper bounds (proposals above are rejected); nil for none.
    package var upper: [Double]?
    /// Evaluate each half of the ensemble concurrently (results are identical either way).
    package var parallel: Bool
    /// At most this many output samples (evenly spaced) are checked against the training domain.
    package var domainCheckLimit: Int

    /// Creates options; the defaults suit a well-behaved χ² surface of ~10–20 parameters.
    package init(walkers: Int = 0, steps: Int = 2000, burnIn: Int = 500, thin: Int = 1, seed: UInt64 = 1,
                temperature2: Double = 1, stretch: Double = 2, lower: [Double]? = nil, upper: [Double]? = nil,
                parallel: Bool = true, domainCheckLimit: Int = 2000) {
        self.walkers = walkers
        self.steps = steps
        self.burnIn = burnIn
        self.thin = thin
        self.seed = seed
        self.temperature2 = temperature2
        self.stretch = stretch
        self.lower = lower
        self.upper = upper
        self.parallel = parallel
        self.domainCheckLimit = domainCheckLimit
    }

    /// The walker count used for `parameters` parameters (resolves `walkers == 0`).
    package func resolvedWalkers(parameters: Int) -> Int {
        if walkers > 0 { return walkers }
        let w = max(32, 4 * parameters)
        return w + (w % 2)
    }

    /// Checks the options for a model with `parameters` parameters; throws one line naming the bad option.
    package func validate(parameters p: Int) throws(PDFEmuError) {
        let w = resolvedWalkers(parameters: p)
        guard p >= 1 else { throw PDFEmuError(.step("mcmc"), "the model has no parameters") }
        guard w >= 4, w % 2 == 0, w >= 2 * p else {
            throw PDFEmuError(.step("mcmc"), "walkers must be even and at least max(4, 2×parameters) = \(max(4, 2 * p + (2 * p) % 2)) (got \(w))")
        }
        guard steps >= 1 else { throw PDFEmuError(.step("mcmc"), "steps must be at least 1 (got \(steps))") }
        guard burnIn >= 0 else { throw PDFEmuError(.step("mcmc"), "burn-in must be non-negative (got \(burnIn))") }
        guard thin >= 1 else { throw PDFEmuError(.step("mcmc"), "thin must be at least 1 (got \(thin))") }
        guard temperature2.isFinite, temperature2 > 0 else {
            throw PDFEmuError(.step("mcmc"), "T² must be a positive number (got \(temperature2))")
        }
        guard stretch.isFinite, stretch > 1 else { throw PDFEmuError(.step("mcmc"), "stretch scale must be > 1 (got \(stretch))") }
        guard domainCheckLimit >= 0 else { throw PDFEmuError(.step("mcmc"), "domain check limit must be non-negative") }
        if let lower, lower.count != p { throw PDFEmuError(.step("mcmc"), "\(lower.count) lower bounds for \(p) parameters") }
        if let upper, upper.count != p { throw PDFEmuError(.step("mcmc"), "\(upper.count) upper bounds for \(p) parameters") }
        if let lower, let upper {
            for i in 0..<p where !(lower[i] < upper[i]) {
                throw PDFEmuError(.step("mcmc"), "lower bound \(lower[i]) is not below upper bound \(upper[i]) for parameter \(i + 1)")
            }
        }
    }

    /// True if θ is within the bounds (no bounds: always).
    func inBounds(_ theta: ArraySlice<Double>) -> Bool {
        var i = 0
        for x in theta {
            if let lower, x < lower[i] { return false }
            if let upper, x > upper[i] { return false }
            i += 1
        }
        return true
    }
}

/// Where the walkers start.
package enum MCMCStart: Sendable, Equatable {
    /// Draw walkers from a normal distribution with mean `centre` and `covariance` (P×P row-major, e.g.
    /// the Hessian covariance 2·T²·H⁻¹ for H the Hessian of χ²), shrunk by `scale` (1: full width).
    case gaussian(centre: [Double], covariance: [Double], scale: Double)
    /// Start from the model's `startingPoints` (cycled with a small jitter when there are fewer
    /// points than walkers).
    case startingPoints
    /// Start from explicit points (cycled with a small jitter when there are fewer than walkers).
    case points([[Double]])

    /// The Gaussian start implied by a best fit and the Hessian of χ² there: covariance 2·T²·H⁻¹.
    /// Throws if H is not positive definite.
    package static func hessian(centre: [Double], chi2Hessian: [Double], temperature2: Double = 1,
                               scale: Double = 1) throws -> MCMCStart {
        let p = centre.count
        guard chi2Hessian.count == p * p else {
            throw PDFEmuError(.step("mcmc"), "Hessian has \(chi2Hessian.count) entries, expected \(p * p)")
        }
        guard let inv = try BLAS.spdInverse(chi2Hessian, n: p) else {
            throw PDFEmuError(.step("mcmc"), "the Hessian at the start point is not positive definite")
        }
        return .gaussian(centre: centre, covariance: inv.map { 2 * temperature2 * $0 }, scale: scale)
    }
}

/// Progress of a running sampler, passed to the progress callback on the calling thread.
package struct MCMCProgress: Sendable, Equatable {
    /// Steps done (burn-in included).
    package var step: Int
    /// Total steps (burn-in included).
    package var totalSteps: Int
    /// Acceptance rate of all proposals so far.
    package var acceptance: Double
    /// Fraction done in [0, 1].
    package var fraction: Double { totalSteps > 0 ? Double(step) / Double(totalSteps) : 1 }
    /// True while the burn-in steps are running.
    package var inBurnIn: Bool
}
