import PDFEmu

extension ScanSetting {
    /// The command-line flag that sets this scan setting.
    var flag: String {
        switch self {
        case .profileParameters: return "--params"
        case .tolerances: return "--tolerance"
        case .fixed: return "--fix"
        case .bounds: return "--bound"
        case .ranges: return "--range"
        case .points: return "--points"
        case .contours: return "--contour"
        case .levels: return "--levels"
        case .rays: return "--rays"
        case .lagrangeExpressions: return "--lagrange"
        case .lagrangeModels: return "--lagrange-emulator"
        case .starts: return "--starts"
        case .widen: return "profile grid widen factor"
        case .shard: return "--shard"
        case .mcmc: return "--mcmc"
        case .mcmcChains: return "--mcmc-chains"
        case .mcmcWalkers: return "--mcmc-walkers"
        case .mcmcSteps: return "--mcmc-steps"
        case .mcmcBurnIn: return "--mcmc-burn-in"
        case .mcmcThin: return "--mcmc-thin"
        case .mcmcTemperature2: return "--mcmc-tolerance"
        }
    }
}

/// The one line the CLI prints for `error`: library errors about scan settings name the flag.
func cliMessage(_ error: any Error) -> String {
    if let e = error as? ScanSettingError { return e.line(naming: e.setting.flag) }
    return userMessage(error)
}
