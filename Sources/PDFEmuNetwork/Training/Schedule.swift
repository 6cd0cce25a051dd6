import Foundation
import PDFEmuCore
import PDFEmuIO

/// The schedule's own settings (the `training` keys of the config that it reads).
package struct ScheduleSettings: Sendable, Codable, Equatable {
    /// Which schedule.
    package var kind: ScheduleKind
    /// Initial learning rate.
    package var learningRate: Double
    /// Final rate of the cosine schedule (and floor of the plateau schedule).
    package var minLearningRate: Double
    /// Epochs the cosine schedule anneals over.
    package var epochs: Int
    /// Step schedule period in epochs.
    package var stepEpochs: Int
    /// Step schedule factor.
    package var gamma: Double
    /// Plateau schedule patience (epochs).
    package var plateauPatience: Int
    /// Plateau schedule factor.
    package var plateauFactor: Double
    /// Creates settings.
    package init(kind: ScheduleKind, learningRate: Double, minLearningRate: Double, epochs: Int, stepEpochs: Int, gamma: Double,
                plateauPatience: Int, plateauFactor: Double) {
        self.kind = kind; self.learningRate = learningRate; self.minLearningRate = minLearningRate; self.epochs = epochs
        self.stepEpochs = stepEpochs; self.gamma = gamma; self.plateauPatience = plateauPatience; self.plateauFactor = plateauFactor
    }
}

extension FitConfig {
    /// The schedule's settings from this config.
    package var scheduleSettings: ScheduleSettings {
        ScheduleSettings(kind: schedule, learningRate: learningRate, minLearningRate: minLearningRate, epochs: epochs,
                         stepEpochs: stepEpochs, gamma: gamma, plateauPatience: plateauPatience, plateauFactor: plateauFactor)
    }
}

/// Learning rate as a function of the epoch (and, for `plateau`, of the validation history).
package struct LearningRateSchedule: Sendable, Codable {
    /// The config's settings.
    package let kind: ScheduleKind
    let base: Double, minimum: Double, epochs: Int, stepEpochs: Int, gamma: Double, patience: Int, factor: Double
    /// Current plateau rate.
    package var plateauRate: Double
    /// Best validation error seen (plateau).
    package var best: Double = .infinity
    /// Epochs since the best (plateau).
    package var stale: Int = 0

    /// Creates the schedule from its settings.
    package init(_ c: ScheduleSettings) {
        kind = c.kind
        base = c.learningRate
        minimum = c.minLearningRate
        epochs = c.epochs
        stepEpochs = c.stepEpochs
        gamma = c.gamma
        patience = c.plateauPatience
        factor = c.plateauFactor
        plateauRate = c.learningRate
    }

    /// Rate during epoch `e` (0-based), at fraction `f` ∈ [0,1) through the epoch. A function of the work
    /// done only (never of the clock), so that a seed gives the same weights on any machine and load; a
    /// time budget (`max_minutes`) only decides after which epoch training stops.
    package func rate(epoch e: Int, fraction f: Double = 0) -> Double {
        switch kind {
        case .constant: return base
        case .step: return base * pow(gamma, Double(e / stepEpochs))
        case .cosine:
            let t = min(1, (Double(e) + f) / Double(max(1, epochs)))
            return minimum + 0.5 * (base - minimum) * (1 + cos(Double.pi * t))
        case .plateau: return plateauRate
        }
    }

    /// Records the validation error at the end of an epoch.
    package mutating func observe(validation: Double) {
        guard kind == .plateau else { return }
        if validation < best * (1 - 1e-4) { best = validation; stale = 0 } else {
            stale += 1
            if stale >= patience { plateauRate = max(minimum, plateauRate * factor); stale = 0 }
        }
    }
}
