import Foundation
import PDFEmuCore
import PDFEmuIO

/// The resumable state of a fit: finished members and the member in progress, saved as HDF5 beside
/// the output ("OUTPUT.checkpoint.h5") with the same dotted names as the emulator file.
struct FitCheckpoint<T: NNScalar> {
    var configText: String
    var finished: [MemberResult<T>]
    var current: MemberCheckpoint<T>?
    var currentMember: Int

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
            if let s = current {
                try tensors("/state/weights", s.weights)
                try tensors("/state/best", s.best)
                try tensors("/state/optimizer.m", s.optimizer.m)
                if !s.optimizer.v.isEmpty { try tensors("/state/optimizer.v", s.optimizer.v) }
                try f.setInteger("epoch", s.epoch, of: "/state")
                try f.setInteger("optimizer_step", s.optimizer.step, of: "/state")
                try f.setScalar("best_validation", s.bestValidation, of: "/state")
                try f.writeAttribute("rng", s.rng.state.map { Int64(bitPattern: $0) }, of: "/state")
                try f.writeAttribute("plateau", [s.schedule.plateauRate, s.schedule.best, Double(s.schedule.stale)], of: "/state")
                try f.setInteger("stale", s.stale, of: "/state")
                try f.setScalar("seconds", s.seconds, of: "/state")
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
        let cm = try f.integer("current_member")
        var current: MemberCheckpoint<T>? = nil
        if f.exists("/state") {
            var s = fresh(cm)
            s.weights = try tensors("/state/weights")
            s.best = try tensors("/state/best")
            s.optimizer.m = try tensors("/state/optimizer.m")
            if !s.optimizer.v.isEmpty { s.optimizer.v = try tensors("/state/optimizer.v") }
            s.optimizer.step = try i64("optimizer_step", "/state")
            s.epoch = try i64("epoch", "/state")
            s.bestValidation = try dbl("best_validation", "/state")
            s.rng.state = (try f.readNumericAttribute("rng", of: "/state") as [Int64]).map { UInt64(bitPattern: $0) }
            let pl: [Double] = try f.readNumericAttribute("plateau", of: "/state")
            guard pl.count == 3 else { throw PDFEmuError(file: path, "/state attribute 'plateau' has \(pl.count) values, expected 3") }
            s.schedule.plateauRate = pl[0]; s.schedule.best = pl[1]; s.schedule.stale = Int(pl[2])
            s.stale = try i64("stale", "/state")
            s.seconds = try dbl("seconds", "/state")
            current = s
        }
        return FitCheckpoint(configText: config.sourceText, finished: finished, current: current, currentMember: cm)
    }
}

extension Setting {
    /// Resuming a fit from its checkpoint.
    package static let resume = Setting("fit.resume")
}
