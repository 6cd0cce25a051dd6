import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// A design of points drawn around a model's minimum by a `DesignRecipe`.
package struct Design: Sendable {
    /// Points [N, P] row-major, in random order.
    package var points: [Double]
    /// Kind of each point [N]: 0 ray, 1 box, 2 Gaussian.
    package var kinds: [Int32]
    /// The minimum the design is centred on, and χ² there.
    package var minimum: [Double]
    /// χ²_min.
    package var chi2Min: Double
    /// Hessian σ at Δχ² = 1 of each parameter.
    package var sigma: [Double]
    /// Points redrawn because the model was undefined there (NaN).
    package var redrawn: Int
}

/// Draws designs around the minimum of any `ScalarModel` (deterministic for a seed, whatever the
/// number of threads: every point has its own generator seeded from the seed and its index).
package enum DesignSampler {
    /// Minimises `model` from its starting points, takes the exact Hessian there and draws `n` points
    /// by `recipe`. Throws one line if there are no starting points, the minimisation fails, or the
    /// Hessian at the minimum is not positive definite.
    package static func sample(model: any ScalarModel, n: Int, seed: UInt64, recipe: DesignRecipe = DesignRecipe()) throws -> Design {
        try recipe.validate()
        guard n > 0 else { throw SettingError(.designCount, "must be > 0, got \(n)") }
        try recipe.validateSizes(count: n)
        let p = model.parameterNames.count
        let starts = model.startingPoints.filter { $0.count == p }
        guard !starts.isEmpty else { throw PDFEmuError(.chi2, "the model has no starting points for its minimum") }
        let ms = Minimiser(model: model).minimiseMultiStart(from: starts, constraints: Array(repeating: .free, count: p))
        guard ms.best.converged, ms.best.value.isFinite else {
            throw PDFEmuError(.chi2, "minimisation did not converge (\(ms.best.status)); cannot centre the design")
        }
        let theta0 = ms.best.theta, chi0 = ms.best.value
        let h = model.valueGradientHessian(at: theta0).hessian
        guard let hinv = try BLAS.spdInverse(h, n: p) else {
            throw PDFEmuError(.chi2, "the Hessian at the minimum is not positive definite; cannot draw the design")
        }
        let cov = hinv.map { 2 * $0 }          // V = (½ ∂²χ²)⁻¹
        guard let l = try BLAS.cholesky(cov, n: p) else { throw PDFEmuError(.chi2, "the covariance at the minimum is not positive definite") }
        let sigma = (0..<p).map { cov[$0 * p + $0].squareRoot() }
        let (nr, nbx, ng) = recipe.counts(n)
        let maxRedraws = 1_000

        func along(_ u: [Double], _ r: Double) -> [Double] {
            var t = theta0
            for i in 0..<p { var s = 0.0; for j in 0...i { s += l[i * p + j] * u[j] }; t[i] += r * s }
            return t
        }
        func generator(_ kind: UInt64, _ i: Int) -> SeededGenerator {
            SeededGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ (kind << 56) ^ UInt64(i))
        }
        /// `count` points drawn in parallel, point i from its own generator, redrawn while `draw` gives nil
        /// (at most `maxRedraws` times: then the point is nil).
        func drawing(_ kind: UInt64, _ count: Int, _ draw: @escaping (inout SeededGenerator) -> [Double]?) -> [([Double], Int)?] {
            Parallel.map(count) { i in
                var g = generator(kind, i)
                for redraws in 0...maxRedraws {
                    if let t = draw(&g) { return (t, redraws) }
                }
                return nil
            }
        }
        func complete(_ drawn: [([Double], Int)?], _ what: String) throws -> [([Double], Int)] {
            var out: [([Double], Int)] = []
            out.reserveCapacity(drawn.count)
            for d in drawn {
                guard let d else {
                    throw PDFEmuError(.step("design"), "a \(what) point could not be drawn in \(maxRedraws + 1) tries (the χ² is undefined there"
                                      + (what == "ray" ? " or never reaches the level drawn in [0, Δmax = \(recipe.deltaMax)])" : ")"))
                }
                out.append(d)
            }
            return out
        }
        // Rays: Δχ²(r) along θ0 + r L u reaches t at the first crossing found by doubling then bisection.
        let rays = try complete(drawing(1, nr) { g in
            var u = (0..<p).map { _ in g.nextGaussian() }
            let norm = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
            u = u.map { $0 / norm }
            let t = recipe.deltaMax * g.nextUniform()
            return crossing(level: t, tolerance: 1e-6 * max(1, t), { model.value(at: along(u, $0)) - chi0 }).map { along(u, $0) }
        }, "ray")
        var sobol = try SobolSequence(dimension: p, seed: seed)
        var box: [[Double]] = [], boxRedraws = 0
        while box.count < nbx {
            let s = sobol.next()
            let t = (0..<p).map { theta0[$0] + recipe.boxHalfWidth * sigma[$0] * (2 * s[$0] - 1) }
            if model.value(at: t).isFinite { box.append(t) } else { boxRedraws += 1 }
            if boxRedraws > maxRedraws * max(1, box.count) {
                throw PDFEmuError(.step("design"), "\(boxRedraws) box points were undefined and only \(box.count) defined; the χ² is undefined in most of the box")
            }
        }
        let gauss = try complete(drawing(2, ng) { g in
            let t = along((0..<p).map { _ in g.nextGaussian() }, recipe.gaussianScale)
            return model.value(at: t).isFinite ? t : nil
        }, "Gaussian")
        var all: [([Double], Int32)] = rays.map { ($0.0, 0) } + box.map { ($0, 1) } + gauss.map { ($0.0, 2) }
        var shuffler = generator(3, 0)
        all.shuffle(using: &shuffler)
        return Design(points: all.flatMap(\.0), kinds: all.map(\.1), minimum: theta0, chi2Min: chi0, sigma: sigma,
                      redrawn: rays.reduce(0) { $0 + $1.1 } + boxRedraws + gauss.reduce(0) { $0 + $1.1 })
    }

    /// The radius r > 0 where f(r) = level (f(0) = 0, f ≥ 0 near 0), by doubling from r = 1 (the
    /// Hessian radius at Δχ² = 1) then bisection; undefined values (NaN) count as above the level.
    /// nil if no crossing below r = 2⁴⁰ (e.g. a flat direction) or f is undefined before the level.
    package static func crossing(level: Double, tolerance: Double, _ f: (Double) -> Double) -> Double? {
        func g(_ r: Double) -> Double { f(r) - level }
        let outcome = OutwardWalk.walk(from: BracketPoint(x: 0, g: -level, theta: [], converged: true),
                                       first: max(level, 1e-6).squareRoot(), growth: 2, limit: .infinity, maxSteps: 41,
                                       undefined: .countsAsAbove) { r, _ in BracketPoint(x: r, g: g(r), theta: [], converged: true) }
        guard case .bracket(let lo, let hi) = outcome else { return nil }
        return ProfileRoot.bisect(lo: lo.x, hi: hi.x, tolerance: tolerance, g: g)
    }
}

/// Writes a design's points without χ² values: /parameters [N, P], /parameter_names, /sample_kind [N]
/// int32 (0 ray, 1 box, 2 Gaussian), root attributes as given; atomically (temporary file + rename).
package enum DesignFile {
    /// Writes `design` to `path`.
    package static func write(_ path: String, parameterNames: [String], design: Design, attributes: Provenance) throws {
        try AtomicOutput.write(to: path) { tmp in
            let f = try HDF5File(create: tmp)
            try f.writePoints(design.points, parameterNames: parameterNames, options: .compressed)
            try f.write("/sample_kind", design.kinds, shape: [design.kinds.count])
            try f.writeProvenance(attributes)
            try f.flush()
        }
    }
}
