import PDFEmuCore

extension LearnSettings {
    /// Checks the counts of a learning run before anything is allocated or asked: the initial design
    /// (`learnInitial`, at most 10⁸ points; nil when the run starts from a scan file) and the batch
    /// (`learnBatch`, at most 10⁷), each a point with its χ² per experiment and the candidates it is
    /// chosen from (4 kB assumed per point). Throws a `SettingError` naming the setting.
    package static func validateSizes(initial: Int?, batch: Int) throws(SettingError) {
        if let initial { try SizeLimits.validate(.learnInitial, initial, cap: 100_000_000, bytesEach: 4096, what: "points") }
        try SizeLimits.validate(.learnBatch, batch, cap: 10_000_000, bytesEach: 4096, what: "points")
    }
}

extension Setting {
    /// Points of a learning run's initial design.
    package static let learnInitial = Setting("learn.initial")
    /// Points proposed and evaluated per learning round.
    package static let learnBatch = Setting("learn.batch")
}
