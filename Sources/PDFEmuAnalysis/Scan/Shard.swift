import Foundation
import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory

/// Run identifiers: a hash of the model's identity and the scan options.
package enum RunIdentity {
    /// 128-bit FNV-1a hash (two 64-bit lanes) of `parts`, as 32 hex digits.
    package static func hash(_ parts: [String]) -> String {
        var h1: UInt64 = 0xcbf2_9ce4_8422_2325, h2: UInt64 = 0x6c62_272e_07bb_0142
        for part in parts {
            for byte in part.utf8 + [0] {
                h1 = (h1 ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
                h2 = (h2 ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
                h2 = (h2 << 7) | (h2 >> 57)
            }
        }
        return hex(h1) + hex(h2)
    }

    /// Hash of a file's bytes (the model file's identity); throws naming the file if unreadable.
    package static func fileHash(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PDFEmuError(file: path, "cannot read")
        }
        var h1: UInt64 = 0xcbf2_9ce4_8422_2325, h2: UInt64 = 0x6c62_272e_07bb_0142
        for byte in data {
            h1 = (h1 ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            h2 = (h2 ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            h2 = (h2 << 7) | (h2 >> 57)
        }
        return hex(h1) + hex(h2)
    }

    /// A fingerprint of what a model exposes: names, training box, best points and values there.
    package static func fingerprint(_ model: any ScalarModel) -> String {
        var parts = model.parameterNames + ["|"] + model.experimentNames
        if let r = model.trainingRegion {
            parts.append(String(r.sampleMinimum.bitPattern))
            parts += (r.trainingLower + r.trainingUpper).map { String($0.bitPattern) }
        }
        for p in model.startingPoints.prefix(16) {
            parts += p.map { String($0.bitPattern) }
            parts.append(String(model.value(at: p).bitPattern))
        }
        return hash(parts)
    }

    private static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

/// Combining shard results of one run into the result an unsharded run gives.
package enum ScanMerge {
    /// Merges shard results (`source` names each, e.g. its file) after checking they are all from
    /// one run, each shard k/N present exactly once; throws one line naming the misfit otherwise.
    package static func merge(_ shards: [(source: String, result: ScanResult)]) throws -> ScanResult {
        guard let first = shards.first else { throw PDFEmuError(.step("merge"), "no shard files given") }
        for s in shards where s.result.shard == nil {
            throw PDFEmuError(file: s.source, "not a shard output (the scan was not sharded)")
        }
        let n = first.result.shard!.count
        var seen: [Int: String] = [:]
        for s in shards {
            let r = s.result
            if r.runID != first.result.runID {
                throw PDFEmuError(file: s.source, "from a different run (run id \(r.runID)) than \(first.source) (run id \(first.result.runID))")
            }
            if r.shard!.count != n {
                throw PDFEmuError(file: s.source, "shard \(r.shard!.index)/\(r.shard!.count) does not fit \(first.source)'s /\(n) split")
            }
            if let other = seen[r.shard!.index] {
                throw PDFEmuError(file: s.source, "shard \(r.shard!.index)/\(n) given twice (also \(other))")
            }
            seen[r.shard!.index] = s.source
            // Compared through JSON so that NaN entries (e.g. a covariance that is undefined) compare equal.
            if try Fmt.json(r.minimum) != Fmt.json(first.result.minimum) || Fmt.json(r.hessian) != Fmt.json(first.result.hessian)
                || r.units != first.result.units || r.parameterNames != first.result.parameterNames
                || r.tolerances != first.result.tolerances {
                throw PDFEmuError(file: s.source, "minimum or unit list differs from \(first.source) despite equal run id")
            }
        }
        let missing = (0..<n).filter { seen[$0] == nil }
        if !missing.isEmpty {
            throw PDFEmuError(.step("merge"), "shard\(missing.count > 1 ? "s" : "") " + missing.map { "\($0)/\(n)" }.joined(separator: ", ")
                              + " missing")
        }
        var byName: [String: ScanUnitOutput] = [:]
        for sh in shards { for o in sh.result.unitOutputs { byName[o.unitName] = o } }
        var merged = first.result
        var notes: [String] = []
        for sh in shards { for n in sh.result.notes ?? [] where !notes.contains(n) { notes.append(n) } }
        merged.notes = notes.isEmpty ? nil : notes
        merged.shard = nil
        merged.timing = nil
        try merged.setUnitOutputs(try first.result.units.map { unit in
            guard let o = byName[unit] else { throw PDFEmuError(.step("merge"), "unit \(unit) is in none of the shards") }
            return o
        })
        return merged
    }
}

/// Merging shard files into one output file.
package enum ScanMergeIO {
    /// Reads the shard files, merges them (see `ScanMerge.merge`) and writes `output` atomically;
    /// nothing is written if any check fails. Returns the merged result.
    @discardableResult
    package static func merge(_ paths: [String], into output: String) throws -> ScanResult {
        try AtomicOutput.validateWritable(output)
        let shards = try paths.map { (source: $0, result: try ScanResult.read($0)) }
        let merged = try ScanMerge.merge(shards)
        try merged.write(to: output)
        return merged
    }
}
