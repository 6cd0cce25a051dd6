import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuAnalysis

extension RefineResult {
    /// Reads the `/refine` group of a refined scan file (`RefineResult.write(into:)`); nil if the file has
    /// none. Throws one line naming the file and dataset if the group is damaged.
    package static func read(_ path: String) throws -> RefineResult? {
        let f = try HDF5File(open: path)
        guard f.exists("/refine") else { return nil }
        func bad(_ what: String) -> PDFEmuError { PDFEmuError(file: path, dataset: "/refine/\(what)", "is inconsistent with /refine/name") }
        let names = try f.readStrings("/refine/name")
        let n = names.count
        func strings(_ d: String) throws -> [String] {
            let v = try f.readStrings("/refine/" + d)
            guard v.count == n else { throw bad(d) }
            return v
        }
        func doubles(_ d: String) throws -> [Double] {
            let v = try f.read("/refine/" + d, as: Double.self).values
            guard v.count == n else { throw bad(d) }
            return v
        }
        func ints(_ d: String) throws -> [Int] {
            let v = try f.read("/refine/" + d, as: Int64.self).values
            guard v.count == n else { throw bad(d) }
            return v.map { Int($0) }
        }
        let parameterNames = try f.readStrings("/refine/parameter_names")
        let p = parameterNames.count
        let theta = try f.read("/refine/theta", as: Double.self).values
        guard theta.count == n * p else { throw bad("theta") }
        let kind = try strings("kind"), parameter = try strings("parameter"), side = try strings("side"), status = try strings("status")
        let note = try strings("note")
        let tolerance = try doubles("tolerance"), emulator = try doubles("emulator_value"), exact = try doubles("exact_value")
        let hw = try doubles("half_width_difference"), chi2 = try doubles("true_chi2"), error = try doubles("error")
        let stationarity = try doubles("stationarity")
        let evaluations = try ints("evaluations"), iterations = try ints("iterations")
        var answers: [RefinedAnswer] = []
        for i in 0..<n {
            guard let s = RefineStatus(rawValue: status[i]) else { throw PDFEmuError(file: path, dataset: "/refine/status", "unknown status '\(status[i])'") }
            let t = Array(theta[(i * p)..<((i + 1) * p)])
            func opt(_ v: Double) -> Double? { v.isNaN ? nil : v }
            answers.append(RefinedAnswer(name: names[i], kind: kind[i], parameter: parameter[i].isEmpty ? nil : parameter[i], tolerance: tolerance[i],
                                         side: side[i].isEmpty ? nil : side[i], emulatorValue: opt(emulator[i]), exactValue: opt(exact[i]),
                                         halfWidthDifference: opt(hw[i]), theta: t.allSatisfy(\.isNaN) ? [] : t, trueChi2: chi2[i],
                                         error: error[i], stationarity: stationarity[i], evaluations: evaluations[i],
                                         iterations: iterations[i], status: s, note: note[i]))
        }
        let g = "/refine"
        let gradients = RefineGradients(rawValue: try f.readStringAttribute("gradients", of: g)) ?? .values
        let messages = try f.readStringAttribute("messages", of: g)
        let evals: [Int64] = try f.readNumericAttribute("evaluations", of: g)
        let batches: [Int64] = try f.readNumericAttribute("batches", of: g)
        let eps: [Double] = try f.readNumericAttribute("epsilon", of: g)
        let delta: [Double] = try f.readNumericAttribute("stationarity", of: g)
        return RefineResult(parameterNames: parameterNames, answers: answers, evaluations: Int(evals.first ?? 0), reused: 0,
                            batches: Int(batches.first ?? 0), gradients: gradients, epsilon: eps.first ?? .nan,
                            stationarity: delta.first ?? .nan, messages: messages.isEmpty ? [] : messages.split(separator: "\n").map(String.init))
    }
}
