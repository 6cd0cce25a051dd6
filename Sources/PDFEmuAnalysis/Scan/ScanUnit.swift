import PDFEmuCore
import PDFEmuIO
import PDFEmuTheory
/// The kinds of scan work unit. Each kind's name prefix, HDF5 location and result type are defined
/// here and only here: the runner, sharding, merge and the scan file all go through these types.
package enum ScanUnitKind: String, Sendable, CaseIterable {
    /// A 1D profile: unit "profile/NAME", stored in /profiles/NAME.
    case profile
    /// A 2D contour: unit "contour/A__B", stored in /contours/A__B.
    case contour
    /// A Lagrange-multiplier scan: unit "lagrange/qK", stored in /lagrange/qK.
    case lagrange
    /// An MCMC run: unit "mcmc/chainC", stored in /mcmc/chain_C (samples pooled in /mcmc/samples).
    case mcmc

    /// The unit name of this kind with `label` ("profile/Bg").
    package func unitName(_ label: String) -> String { rawValue + "/" + label }

    /// The kind and label of a unit name, or nil if the name is of no known kind.
    package static func parse(_ unitName: String) -> (kind: ScanUnitKind, label: String)? {
        guard let slash = unitName.firstIndex(of: "/"), let kind = ScanUnitKind(rawValue: String(unitName[..<slash])) else {
            return nil
        }
        return (kind, String(unitName[unitName.index(after: slash)...]))
    }

    /// The HDF5 group holding the unit with `label`.
    package func group(_ label: String) -> String {
        switch self {
        case .profile: return "/profiles/" + label
        case .contour: return "/contours/" + label
        case .lagrange: return "/lagrange/" + label
        case .mcmc: return "/mcmc/chain_" + label.dropFirst("chain".count)
        }
    }

    /// The label of a contour of `a` and `b`.
    static func contourLabel(_ a: String, _ b: String) -> String { a + "__" + b }
}

/// One unit of scan work as planned (model indices); a run's units are numbered in order and shard
/// k/N computes those with number % N == k.
package enum ScanUnit: Sendable, Equatable {
    /// The 1D profile of a parameter (model index).
    case profile(Int)
    /// The 2D contour of a pair (model indices).
    case contour(Int, Int)
    /// The Lagrange scan of quantity number k.
    case lagrange(Int)
    /// MCMC run number c.
    case mcmc(Int)

    /// The unit's kind.
    package var kind: ScanUnitKind {
        switch self {
        case .profile: return .profile
        case .contour: return .contour
        case .lagrange: return .lagrange
        case .mcmc: return .mcmc
        }
    }

    /// The unit's name: "profile/NAME", "contour/A__B", "lagrange/qK" or "mcmc/chainC".
    package func name(_ parameterNames: [String]) -> String {
        switch self {
        case .profile(let a): return kind.unitName(parameterNames[a])
        case .contour(let a, let b): return kind.unitName(ScanUnitKind.contourLabel(parameterNames[a], parameterNames[b]))
        case .lagrange(let k): return kind.unitName(LagrangeScan.name(k))
        case .mcmc(let c): return kind.unitName("chain\(c)")
        }
    }
}

/// The computed output of one scan unit: what the runner produces, a shard holds, merge combines and
/// the scan file stores.
package enum ScanUnitOutput: Sendable {
    /// A 1D profile.
    case profile(ProfileResult)
    /// A 2D contour.
    case contour(ContourResult)
    /// A Lagrange scan.
    case lagrange(LagrangeResult)
    /// One MCMC run.
    case mcmc(ScanMCMCChain)

    /// The name of the unit that produced it (as in `ScanResult.units`).
    package var unitName: String {
        switch self {
        case .profile(let r): return ScanUnitKind.profile.unitName(r.parameter)
        case .contour(let r): return ScanUnitKind.contour.unitName(ScanUnitKind.contourLabel(r.a, r.b))
        case .lagrange(let r): return ScanUnitKind.lagrange.unitName(r.name)
        case .mcmc(let c): return ScanUnitKind.mcmc.unitName("chain\(c.index)")
        }
    }
}

extension ScanResult {
    /// Every unit output held here, in unit order within each kind (profiles, contours, Lagrange, MCMC runs).
    package var unitOutputs: [ScanUnitOutput] {
        profiles.map { .profile($0) } + contours.map { .contour($0) } + lagrange.map { .lagrange($0) }
            + (mcmc?.chains ?? []).map { .mcmc($0) }
    }

    /// Replaces the held outputs by `outputs` (in unit order); MCMC runs are combined over the run's
    /// MCMC unit count.
    package mutating func setUnitOutputs(_ outputs: [ScanUnitOutput]) throws {
        profiles = []; contours = []; lagrange = []; mcmc = nil
        var chains: [ScanMCMCChain] = []
        for o in outputs {
            switch o {
            case .profile(let r): profiles.append(r)
            case .contour(let r): contours.append(r)
            case .lagrange(let r): lagrange.append(r)
            case .mcmc(let c): chains.append(c)
            }
        }
        if !chains.isEmpty {
            mcmc = try ScanMCMC(chainCount: units.filter { ScanUnitKind.parse($0)?.kind == .mcmc }.count, chains: chains)
        }
    }
}
