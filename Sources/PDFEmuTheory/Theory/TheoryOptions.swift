import PDFEmuCore
import PDFEmuIO

/// Which parameters of the HERA parametrisation are free, the values of the fixed ones, and the
/// kinematic cut. The defaults are the bundled 14-parameter scan: Duv = 0 and fs = 0.4 fixed, the
/// other 14 free, q²_min = 3.49 GeV² (all 1145 points of the theory file).
package struct TheoryOptions: Sendable, Equatable, Codable {
    /// Values of parameters held fixed, by name (added to / overriding `defaultFixed`).
    package var fixed: [String: Double]
    /// The free parameters by name, or nil for "every parameter that is not fixed".
    package var free: [String]?
    /// Kinematic cut: keep data points with Q² ≥ q2Min (GeV²).
    package var q2Min: Double

    /// The fixed values used when a parameter is neither named free nor given a value: Duv = 0, fs = 0.4.
    package static let defaultFixed: [String: Double] = ["Duv": 0, "fs": 0.4]
    /// The default cut, 3.49 GeV² (keeps the whole file, whose smallest Q² is 3.5 GeV²).
    package static let defaultQ2Min = 3.49

    /// Creates options (defaults: the bundled 14-parameter case).
    package init(fixed: [String: Double] = [:], free: [String]? = nil, q2Min: Double = TheoryOptions.defaultQ2Min) {
        self.fixed = fixed
        self.free = free
        self.q2Min = q2Min
    }

    /// The free parameters' indices (canonical order) and the full 16-vector with every fixed value in
    /// place (free entries 0). Throws one line for an unknown name, a name both fixed and free, a
    /// name given twice, a non-finite fixed value, a non-finite cut, or a parameter left neither free
    /// nor fixed.
    package func resolve() throws(SettingError) -> (free: [Int], template: [Double]) {
        let names = HERAParametrisation.parameterNames
        let known = "known: " + names.joined(separator: " ")
        guard q2Min.isFinite else { throw SettingError(.q2Min, "\(q2Min) is not a finite number") }
        for (n, v) in fixed.sorted(by: { $0.key < $1.key }) {
            guard names.contains(n) else { throw SettingError(.theoryFixed, "unknown parameter '\(n)' (\(known))") }
            guard v.isFinite else { throw SettingError(.theoryFixed, n, "value \(v) is not finite") }
        }
        var template = [Double](repeating: 0, count: names.count)
        var freeSet: [Int]
        if let free {
            var seen = Set<String>()
            freeSet = []
            for n in free {
                guard let i = names.firstIndex(of: n) else { throw SettingError(.theoryFree, "unknown parameter '\(n)' (\(known))") }
                guard seen.insert(n).inserted else { throw SettingError(.theoryFree, "'\(n)' is named twice") }
                if fixed[n] != nil { throw SettingError(.theoryFree, n, "the parameter is also fixed") }
                freeSet.append(i)
            }
            freeSet.sort()
        } else {
            freeSet = names.indices.filter { fixed[names[$0]] == nil && TheoryOptions.defaultFixed[names[$0]] == nil }
        }
        for (i, n) in names.enumerated() where !freeSet.contains(i) {
            guard let v = fixed[n] ?? TheoryOptions.defaultFixed[n] else {
                throw SettingError(.theoryFree, n, "the parameter is neither free nor fixed: free it, or give it a fixed value")
            }
            template[i] = v
        }
        return (freeSet, template)
    }

    /// One line describing the choice, e.g. "free: Bg Cg …; fixed: Duv=0, fs=0.4; Q² ≥ 3.49 GeV²".
    package func summary() throws(SettingError) -> String {
        let (free, template) = try resolve()
        let names = HERAParametrisation.parameterNames
        let fixedText = names.indices.filter { !free.contains($0) }.map { "\(names[$0])=\(template[$0])" }
        return "free: " + free.map { names[$0] }.joined(separator: " ") + "; fixed: "
            + (fixedText.isEmpty ? "none" : fixedText.joined(separator: ", ")) + "; Q² ≥ \(q2Min) GeV²"
    }
}

extension Setting {
    /// The kinematic cut Q²_min of the theory (GeV²).
    package static let q2Min = Setting("theory.q2Min")
    /// Fixed values of the theory's parameters.
    package static let theoryFixed = Setting("theory.fixed")
    /// The theory's free parameters.
    package static let theoryFree = Setting("theory.free")
}
