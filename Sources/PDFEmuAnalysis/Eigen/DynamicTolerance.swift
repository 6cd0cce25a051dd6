import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// Settings of the dynamic (CT tier-2) tolerance.
package struct DynamicToleranceOptions: Sendable, Codable, Equatable {
    /// Number of data points N_E of each experiment, by the model's experiment names.
    package var experimentPoints: [String: Int]
    /// The χ²_E → S_E mapping.
    package var mapping: GaussianEquivalent
    /// Creates options (default mapping: CT14's Fisher form).
    package init(experimentPoints: [String: Int], mapping: GaussianEquivalent = .fisher) {
        self.experimentPoints = experimentPoints
        self.mapping = mapping
    }
}

/// One end of a direction at the dynamic tolerance: where the first experiment leaves its 90% range.
package struct DynamicEnd: Sendable, Codable, Equatable {
    /// Distance t along the signed direction (basis units, see `EigenBasis`); nil: no experiment leaves
    /// inside the allowed range (open end).
    package var distance: Double?
    /// Total Δχ² there: this end's tolerance T² (nil when open).
    package var deltaChi2: Double?
    /// The experiment that leaves first (sets the tolerance); nil when open.
    package var experiment: String?
    /// The member's parameters; nil when open.
    package var theta: [Double]?
    /// Whether the end is inside the training region.
    package var inside: Bool
    /// Why the end is open.
    package var openReason: String?
}

/// A direction's two dynamic-tolerance ends.
package struct DynamicDirection: Sendable, Codable, Equatable {
    /// 1-based direction number.
    package var index: Int
    /// + end (member 2k−1).
    package var plus: DynamicEnd
    /// − end (member 2k).
    package var minus: DynamicEnd
}

/// The eigenvector set at the dynamic tolerance.
package struct DynamicToleranceResult: Sendable, Codable, Equatable {
    /// The mapping used.
    package var mapping: GaussianEquivalent
    /// The S_E level an experiment must stay below (Φ⁻¹(0.90)).
    package var level: Double
    /// Experiments used.
    package var experiments: [String]
    /// Their N_E.
    package var points: [Int]
    /// S_E at the minimum per used experiment.
    package var centralS: [Double]
    /// Experiments left out because S_E at the minimum already exceeds the level.
    package var alreadyOutside: [String]
    /// Per direction.
    package var directions: [DynamicDirection]
    /// Master-formula uncertainties on the dynamic set.
    package var quantities: [MasterUncertainty]

    /// LHAPDF-numbered members (NaN rows for open ends).
    package var members: [[Double]] { EigenDirection.members(central: centre, directions.map { ($0.plus.theta, $0.minus.theta) }) }
    /// The central member.
    package var centre: [Double]
}

/// The CT tier-2 tolerance along each direction of an eigenvector set.
package enum DynamicTolerance {
    /// N_E of each of the model's experiments, in its order. Throws one line when the model has no
    /// per-experiment outputs or a point count is missing, unknown or < 1.
    package static func pointCounts(model: any ScalarModel, options: DynamicToleranceOptions) throws -> [Int] {
        let names = model.experimentNames
        guard !names.isEmpty else {
            throw PDFEmuError(.chi2, "dynamic tolerance needs per-experiment χ², and this model has no per-experiment outputs")
        }
        for k in options.experimentPoints.keys.sorted() where !names.contains(k) {
            throw SettingError(.experimentPoints, "unknown experiment '\(k)' (known: \(names.joined(separator: " ")))")
        }
        var points: [Int] = []
        for n in names {
            guard let v = options.experimentPoints[n] else {
                throw SettingError(.experimentPoints, n, "dynamic tolerance needs the number of points of every experiment: none given")
            }
            guard v >= 1 else { throw SettingError(.experimentPoints, n, "need at least 1 point, got \(v)") }
            points.append(v)
        }
        return points
    }

    /// Along each signed direction of `set`, for each experiment, the distance where S_E(χ²_E) first
    /// exceeds Φ⁻¹(0.90); the end is the nearest such distance. Throws one line when the model has no
    /// per-experiment outputs or a point count is missing or unknown.
    package static func compute(model: any ScalarModel, set: EigenvectorSetResult, options: DynamicToleranceOptions,
                               quantities: [DerivedQuantity]) throws -> DynamicToleranceResult {
        let names = model.experimentNames
        let points = try pointCounts(model: model, options: options)
        let level = GaussianEquivalent.level90
        let theta0 = set.minimum.theta
        let per0 = model.prediction(at: theta0).perExperiment
        guard per0.count == names.count else { throw PDFEmuError(.chi2, "model gives \(per0.count) per-experiment values for \(names.count) experiments") }
        let s0 = names.indices.map { options.mapping.value(chi2: per0[$0], points: points[$0]) }
        let used = names.indices.filter { s0[$0] < level }
        let (lower, upper) = EigenvectorSets.allowedRange(model: model, constraints: set.minimum.constraints)
        let chi2min = set.minimum.chi2
        let directions = Parallel.map(set.basis.directions.count) { k -> DynamicDirection in
            let ends = [1.0, -1.0].map { sign -> DynamicEnd in
                let dir = set.basis.directions[k].map { sign * $0 }
                func point(_ s: Double) -> [Double] { zip(theta0, dir).map { $0 + s * $1 } }
                let limit = RayCrossing.limit(centre: theta0, direction: dir, lower: lower, upper: upper)
                var best: (t: Double, e: Int)?
                var reasons: [String] = []
                for e in used {
                    let out = RayCrossing.first(g0: s0[e] - level, start: 0.25, limit: best?.t ?? limit, tolerance: 1e-7) { s in
                        let per = model.prediction(at: point(s)).perExperiment
                        return options.mapping.value(chi2: per[e], points: points[e]) - level
                    }
                    if let t = out.t { if best == nil || t < best!.t { best = (t, e) } } else if let r = out.openReason { reasons.append(r) }
                }
                guard let best else {
                    return DynamicEnd(distance: nil, deltaChi2: nil, experiment: nil, theta: nil, inside: false,
                                      openReason: "no experiment leaves its 90% range: " + (reasons.first ?? "no experiment to test"))
                }
                let theta = point(best.t)
                return DynamicEnd(distance: best.t, deltaChi2: model.value(at: theta) - chi2min, experiment: names[best.e], theta: theta,
                                  inside: model.isInsideTrainingRegion(theta), openReason: nil)
            }
            return DynamicDirection(index: k + 1, plus: ends[0], minus: ends[1])
        }
        var result = DynamicToleranceResult(mapping: options.mapping, level: level, experiments: used.map { names[$0] },
                                            points: used.map { points[$0] }, centralS: used.map { s0[$0] },
                                            alreadyOutside: names.indices.filter { s0[$0] >= level }.map { names[$0] },
                                            directions: directions, quantities: [], centre: theta0)
        let members = result.members
        result.quantities = quantities.map { q in
            MasterUncertainty.compute(name: q.definition, values: members.map { $0[0].isNaN ? .nan : q.value(at: $0) })
        }
        return result
    }
}
