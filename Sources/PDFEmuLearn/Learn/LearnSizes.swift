import PDFEmuCore

extension LearnSettings {
    /// Checks the counts of a learning run before anything is allocated or asked: the initial design
    /// (setting "learn.initial", at most 10⁸ points; nil when the run starts from a scan file) and the
    /// batch ("learn.batch", at most 10⁷), each a point with its χ² per experiment and the candidates it
    /// is chosen from (4 kB assumed per point).
    public static func checkSizes(initial: Int?, batch: Int) throws(SizeLimitError) {
        if let initial { try SizeLimits.check("learn.initial", initial, cap: 100_000_000, bytesEach: 4096, what: "points") }
        try SizeLimits.check("learn.batch", batch, cap: 10_000_000, bytesEach: 4096, what: "points")
    }
}
