import Foundation
import PDFEmuCore
import PDFEmuIO

/// The resumable state of a fit: finished members and the member in progress, saved as HDF5 beside
/// the output ("OUTPUT.checkpoint.h5") with the same dotted names as the emulator file. Members trained
/// together: the first in `current` ("/state"), the others in `others` ("/state.K" for member K, listed in
/// the attribute `others`); a member that stopped before the others keeps its last state with its
/// `stop_reason`.
struct FitCheckpoint<T: NNScalar> {
    var configText: String
    var finished: [MemberResult<T>]
    var current: MemberCheckpoint<T>?
    var currentMember: Int
    /// States of the other members in progress, by member index.
    var others: [Int: MemberCheckpoint<T>] = [:]

    static func path(for output: String) -> String { FitRunner.checkpointPath(for: output) }

    func write(to path: String, architecture: MLPArchitecture) throws {
        try AtomicOutput.write(to: path) { tmp in
            let f = try HDF5File(create: tmp)
            try f.writeAttribute("format", "pdfemu-checkpoint")
            try f.writeAttribute("config", configText)
            try f.setInteger("current_member", currentMember)
            try f.setInteger("finished", finished.count)
            func tensors(_ prefix: String, _ w: [T]) throws {
                for t in architecture.tensors {
                    try f.write("\(prefix).\(t.name)", Array(w[t.offset..<(t.offset + t.count)]), shape: t.shape)
                }
            }
            for (k, m) in finished.enumerated() {
                try tensors("/finished/members.\(k)", m.weights)
                try f.setScalar("members.\(k).validation_rms", m.validationRMS, of: "/finished")
                try f.setInteger("members.\(k).epochs", m.epochs, of: "/finished")
                try f.setScalar("members.\(k).seconds", m.seconds, of: "/finished")
                try f.writeAttribute("members.\(k).stop_reason", m.stopReason.rawValue, of: "/finished")
            }
            func state(_ g: String, _ s: MemberCheckpoint<T>) throws {
                try tensors("\(g)/weights", s.weights)
                try tensors("\(g)/best", s.best)
                try tensors("\(g)/optimizer.m", s.optimizer.m)
                if !s.optimizer.v.isEmpty { try tensors("\(g)/optimizer.v", s.optimizer.v) }
                try f.setInteger("epoch", s.epoch, of: g)
                try f.setInteger("optimizer_step", s.optimizer.step, of: g)
                try f.setScalar("best_validation", s.bestValidation, of: g)
                try f.writeAttribute("rng", s.rng.state.map { Int64(bitPattern: $0) }, of: g)
                try f.writeAttribute("plateau", [s.schedule.plateauRate, s.schedule.best, Double(s.schedule.stale)], of: g)
                try f.setInteger("stale", s.stale, of: g)
                try f.setScalar("seconds", s.seconds, of: g)
                if let r = s.stopped { try f.writeAttribute("stop_reason", r.rawValue, of: g) }
            }
            if let s = current { try state("/state", s) }
            if !others.isEmpty {
                let keys = others.keys.sorted()
                try f.writeAttribute("others", keys.map { Int64($0) })
                for k in keys { try state("/state.\(k)", others[k]!) }
            }
            try f.flush()
        }
    }

    static func read(_ path: String, config: FitConfig, architecture: MLPArchitecture, fresh: (Int) -> MemberCheckpoint<T>) throws -> FitCheckpoint<T> {
        guard FileManager.default.fileExists(atPath: path) else {
            throw SettingError(.resume, path, "no checkpoint to resume from (start the fit without resuming first)")
        }
        let f = try HDF5File(open: path)
        guard (try? f.readStringAttribute("format")) == "pdfemu-checkpoint" else {
            throw PDFEmuError(file: path, "not a pdfemu checkpoint")
        }
        guard try f.readStringAttribute("config") == config.sourceText else {
            throw PDFEmuError(file: path, "checkpoint was written with a different config; remove it or restore that config")
        }
        func tensors(_ prefix: String) throws -> [T] {
            var w = [T](repeating: 0, count: architecture.parameterCount)
            for t in architecture.tensors {
                let (shape, v) = try f.read("\(prefix).\(t.name)", as: T.self)
                guard shape == t.shape else { throw PDFEmuError(file: path, dataset: "\(prefix).\(t.name)", "shape \(shape), expected \(t.shape)") }
                for i in 0..<t.count { w[t.offset + i] = v[i] }
            }
            return w
        }
        func i64(_ n: String, _ o: String) throws -> Int { try f.integer(n, of: o) }
        func dbl(_ n: String, _ o: String) throws -> Double { try f.scalar(n, of: o) }
        func stopReason(_ k: Int) throws -> StopReason {
            let text = try f.readStringAttribute("members.\(k).stop_reason", of: "/finished")
            guard let r = StopReason(rawValue: text) else { throw PDFEmuError(file: path, "members.\(k).stop_reason '\(text)' is not a stop reason") }
            return r
        }
        var finished: [MemberResult<T>] = []
        let nf = try f.integer("finished")
        for k in 0..<nf {
            finished.append(MemberResult(weights: try tensors("/finished/members.\(k)"),
                                         validationRMS: try dbl("members.\(k).validation_rms", "/finished"),
                                         epochs: try i64("members.\(k).epochs", "/finished"),
                                         stopReason: try stopReason(k),
                                         seconds: try dbl("members.\(k).seconds", "/finished")))
        }
        func state(_ g: String, member: Int) throws -> MemberCheckpoint<T> {
            var s = fresh(member)
            s.weights = try tensors("\(g)/weights")
            s.best = try tensors("\(g)/best")
            s.optimizer.m = try tensors("\(g)/optimizer.m")
            if !s.optimizer.v.isEmpty { s.optimizer.v = try tensors("\(g)/optimizer.v") }
            s.optimizer.step = try i64("optimizer_step", g)
            s.epoch = try i64("epoch", g)
            s.bestValidation = try dbl("best_validation", g)
            s.rng.state = (try f.readNumericAttribute("rng", of: g) as [Int64]).map { UInt64(bitPattern: $0) }
            let pl: [Double] = try f.readNumericAttribute("plateau", of: g)
            guard pl.count == 3 else { throw PDFEmuError(file: path, "\(g) attribute 'plateau' has \(pl.count) values, expected 3") }
            s.schedule.plateauRate = pl[0]; s.schedule.best = pl[1]; s.schedule.stale = Int(pl[2])
            s.stale = try i64("stale", g)
            s.seconds = try dbl("seconds", g)
            if f.hasAttribute("stop_reason", of: g) {
                let text = try f.readStringAttribute("stop_reason", of: g)
                guard let r = StopReason(rawValue: text) else { throw PDFEmuError(file: path, "\(g) stop_reason '\(text)' is not a stop reason") }
                s.stopped = r
            }
            return s
        }
        let cm = try f.integer("current_member")
        let current: MemberCheckpoint<T>? = f.exists("/state") ? try state("/state", member: cm) : nil
        var others: [Int: MemberCheckpoint<T>] = [:]
        if f.hasAttribute("others") {
            let keys: [Int64] = try f.readNumericAttribute("others")
            for k in keys.map({ Int($0) }) {
                guard k > cm && k < config.members else { throw PDFEmuError(file: path, "attribute 'others' lists member \(k), not one trained with member \(cm)") }
                others[k] = try state("/state.\(k)", member: k)
            }
        }
        return FitCheckpoint(configText: config.sourceText, finished: finished, current: current, currentMember: cm, others: others)
    }
}

extension Setting {
    /// Resuming a fit from its checkpoint.
    package static let resume = Setting("fit.resume")
}
