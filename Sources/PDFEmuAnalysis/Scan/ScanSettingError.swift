import PDFEmuCore

/// The settings of a scan (`ScanOptions`, `ScanMCMCOptions`) are `Setting`s; the name is kept for readers.
package typealias ScanSetting = Setting
/// A bad scan setting is a `SettingError`, like every other bad setting.
package typealias ScanSettingError = SettingError

extension Setting {
    /// Parameters to profile.
    package static let profileParameters = Setting("profileParameters")
    /// Δχ² levels T² of intervals.
    package static let tolerances = Setting("tolerances")
    /// Parameters held fixed in a scan.
    package static let fixed = Setting("fixed")
    /// Bounds on parameters.
    package static let bounds = Setting("bounds")
    /// Profile grid ranges.
    package static let ranges = Setting("ranges")
    /// Points per profile.
    package static let points = Setting("points")
    /// 2D contours.
    package static let contours = Setting("contours")
    /// Contour levels.
    package static let levels = Setting("levels")
    /// Rays per contour.
    package static let rays = Setting("rays")
    /// Lagrange expressions.
    package static let lagrangeExpressions = Setting("lagrangeExpressions")
    /// Lagrange models (a second model's value).
    package static let lagrangeModels = Setting("lagrangeModels")
    /// Starts of the global minimisation.
    package static let starts = Setting("starts")
    /// Profile grid widen factor.
    package static let widen = Setting("widen")
    /// The shard of the work units.
    package static let shard = Setting("shard")
    /// MCMC on or off.
    package static let mcmc = Setting("mcmc")
    /// MCMC chains.
    package static let mcmcChains = Setting("mcmc.chains")
    /// MCMC walkers per chain.
    package static let mcmcWalkers = Setting("mcmc.walkers")
    /// MCMC steps per chain.
    package static let mcmcSteps = Setting("mcmc.steps")
    /// MCMC burn-in steps.
    package static let mcmcBurnIn = Setting("mcmc.burnIn")
    /// MCMC thinning.
    package static let mcmcThin = Setting("mcmc.thin")
    /// MCMC temperature T².
    package static let mcmcTemperature2 = Setting("mcmc.temperature2")

    /// Every scan setting, in declaration order.
    package static let scanSettings: [Setting] = [
        .profileParameters, .tolerances, .fixed, .bounds, .ranges, .points, .contours, .levels, .rays,
        .lagrangeExpressions, .lagrangeModels, .starts, .widen, .shard, .mcmc, .mcmcChains, .mcmcWalkers,
        .mcmcSteps, .mcmcBurnIn, .mcmcThin, .mcmcTemperature2,
    ]
}
