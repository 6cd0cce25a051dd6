import Foundation

/// One unit of scan work; a run's units are numbered in order and shard k/N computes those with
/// number % N == k.
public enum ScanUnit: Sendable, Equatable {
    /// The 1D profile of a parameter (model index).
    case profile(Int)
    /// The 2D contour of a pair (model indices).
    case contour(Int, Int)
    /// The Lagrange scan of quantity number k.
    case lagrange(Int)
    /// MCMC run number c.
    case mcmc(Int)

    /// The unit's name: "profile/NAME", "contour/A__B", "lagrange/qK" or "mcmc/chainC".
    public func name(_ parameterNames: [String]) -> String {
        switch self {
        case .profile(let a): return "profile/" + parameterNames[a]
        case .contour(let a, let b): return "contour/" + parameterNames[a] + "__" + parameterNames[b]
        case .lagrange(let k): return "lagrange/q\(k)"
        case .mcmc(let c): return "mcmc/chain\(c)"
        }
    }
}

/// Run identifiers: a hash of the model's identity and the scan options.
public enum RunIdentity {
    /// 128-bit FNV-1a hash (two 64-bit lanes) of `parts`, as 32 hex digits.
    public static func hash(_ parts: [String]) -> String {
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
    public static func fileHash(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PDFEmuError("\(path): cannot read")
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
    public static func fingerprint(_ model: any ScalarModel) -> String {
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
public enum ScanMerge {
    /// Merges shard results (`source` names each, e.g. its file) after checking they are all from
    /// one run, each shard k/N present exactly once; throws one line naming the misfit otherwise.
    public static func merge(_ shards: [(source: String, result: ScanResult)]) throws -> ScanResult {
        guard let first = shards.first else { throw PDFEmuError("merge: no shard files given") }
        for s in shards where s.result.shard == nil {
            throw PDFEmuError("\(s.source): not a shard output (written without --shard)")
        }
        let n = first.result.shard!.count
        var seen: [Int: String] = [:]
        for s in shards {
            let r = s.result
            if r.runID != first.result.runID {
                throw PDFEmuError("\(s.source): from a different run (run id \(r.runID)) than \(first.source) (run id \(first.result.runID))")
            }
            if r.shard!.count != n {
                throw PDFEmuError("\(s.source): shard \(r.shard!.index)/\(r.shard!.count) does not fit \(first.source)'s /\(n) split")
            }
            if let other = seen[r.shard!.index] {
                throw PDFEmuError("\(s.source): shard \(r.shard!.index)/\(n) given twice (also \(other))")
            }
            seen[r.shard!.index] = s.source
            // Compared through JSON so that NaN entries (e.g. a covariance that is undefined) compare equal.
            if try Fmt.json(r.minimum) != Fmt.json(first.result.minimum) || Fmt.json(r.hessian) != Fmt.json(first.result.hessian)
                || r.units != first.result.units || r.parameterNames != first.result.parameterNames
                || r.tolerances != first.result.tolerances {
                throw PDFEmuError("\(s.source): minimum or unit list differs from \(first.source) despite equal run id")
            }
        }
        let missing = (0..<n).filter { seen[$0] == nil }
        if !missing.isEmpty {
            throw PDFEmuError("merge: shard\(missing.count > 1 ? "s" : "") " + missing.map { "\($0)/\(n)" }.joined(separator: ", ")
                              + " missing")
        }
        var profiles: [String: ProfileResult] = [:]
        var contours: [String: ContourResult] = [:]
        var lagrange: [String: LagrangeResult] = [:]
        var chains: [String: ScanMCMCChain] = [:]
        for s in shards {
            for c in s.result.mcmc?.chains ?? [] { chains["mcmc/chain\(c.index)"] = c }
            for p in s.result.profiles { profiles["profile/" + p.parameter] = p }
            for c in s.result.contours { contours["contour/" + c.a + "__" + c.b] = c }
            for l in s.result.lagrange { lagrange["lagrange/" + l.name] = l }
        }
        var merged = first.result
        merged.shard = nil
        merged.timing = nil
        merged.profiles = []; merged.contours = []; merged.lagrange = []; merged.mcmc = nil
        var mergedChains: [ScanMCMCChain] = []
        for unit in first.result.units {
            if let p = profiles[unit] { merged.profiles.append(p) } else if let c = contours[unit] { merged.contours.append(c) }
            else if let l = lagrange[unit] { merged.lagrange.append(l) } else if let c = chains[unit] { mergedChains.append(c) } else {
                throw PDFEmuError("merge: unit \(unit) is in none of the shards")
            }
        }
        if !mergedChains.isEmpty {
            merged.mcmc = try ScanMCMC(chainCount: first.result.units.filter { $0.hasPrefix("mcmc/") }.count, chains: mergedChains)
        }
        return merged
    }
}

/// Merging shard files into one output file.
public enum ScanMergeIO {
    /// Reads the shard files, merges them (see `ScanMerge.merge`) and writes `output` atomically;
    /// nothing is written if any check fails. Returns the merged result.
    @discardableResult
    public static func merge(_ paths: [String], into output: String) throws -> ScanResult {
        try AtomicOutput.checkWritable(output)
        let shards = try paths.map { (source: $0, result: try ScanResult.readHDF5($0)) }
        let merged = try ScanMerge.merge(shards)
        try merged.writeHDF5(to: output)
        return merged
    }
}
