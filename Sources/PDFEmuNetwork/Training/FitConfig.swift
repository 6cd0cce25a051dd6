import Foundation
import PDFEmuCore
import PDFEmuIO

/// Optimisers of the SGD family.
package enum OptimizerKind: String, Sendable, Codable, CaseIterable {
    case sgd, adam, adamw
}

/// Learning-rate schedules.
package enum ScheduleKind: String, Sendable, Codable, CaseIterable {
    /// Constant rate.
    case constant
    /// Multiply by `gamma` every `step_epochs` epochs.
    case step
    /// Cosine decay from the rate to `min_learning_rate` over all epochs.
    case cosine
    /// Multiply by `factor` when the validation error has not improved for `patience` epochs.
    case plateau
}

/// How parameters are transformed before they enter the network.
package enum InputTransformKind: String, Sendable, Codable, CaseIterable {
    /// (θ − mean)/σ per parameter.
    case standardize
    /// L⁻¹(θ − mean), LLᵀ the covariance of the training points: decorrelates the parameters.
    case whiten
}

/// How a χ² target is transformed before the network learns it.
package enum TargetTransformKind: String, Sendable, Codable, CaseIterable {
    /// Δχ² itself.
    case linear
    /// c·log(1 + Δχ²/c): linear near the minimum, logarithmic far from it.
    case log1p
}

/// How training points are weighted in the loss.
package enum WeightingKind: String, Sendable, Codable, CaseIterable {
    /// All points equal.
    case none
    /// w = (1 + Δχ²/scale)^−power: accuracy goes to the region near the minimum.
    case inverse
    /// w = exp(−Δχ²/(2·scale)) + floor.
    case gaussian
}

/// Everything `pdfemu fit` reads from its JSON config (documented key by key in docs/CONFIG.md).
package struct FitConfig: Sendable, Codable, Equatable {
    /// Scan files to train on (relative paths are taken relative to the current directory).
    package var files: [String]
    /// Where to find datasets in the scan files.
    package var read: ScanReadOptions
    /// Train on the per-experiment χ² as extra outputs when the file has them.
    package var perExperiment: Bool
    /// True when the target is a χ² (Δχ² transform, weighting); false for another scalar (e.g. a cross section).
    package var targetIsChi2: Bool
    /// Hidden layer widths.
    package var hidden: [Int]
    /// Hidden activation.
    package var activation: Activation
    /// Training precision.
    package var precision: Precision
    /// Input transform.
    package var inputTransform: InputTransformKind
    /// Weight initialisation.
    package var initialisation: MLPArchitecture.Initialisation
    /// The optimiser and its hyperparameters (`training.optimizer`, `momentum`, `nesterov`, `beta1`, `beta2`,
    /// `epsilon`, `weight_decay`).
    package var optimizer: OptimizerSettings
    /// Initial learning rate.
    package var learningRate: Double
    /// Mini-batch size.
    package var batchSize: Int
    /// Maximum epochs.
    package var epochs: Int
    /// Stop after this many minutes of training in all (0: no limit).
    package var maxMinutes: Double
    /// Schedule.
    package var schedule: ScheduleKind
    /// Final rate of the cosine schedule.
    package var minLearningRate: Double
    /// Step schedule period in epochs.
    package var stepEpochs: Int
    /// Step schedule factor.
    package var gamma: Double
    /// Plateau schedule patience (epochs).
    package var plateauPatience: Int
    /// Plateau schedule factor.
    package var plateauFactor: Double
    /// Clip the gradient's global norm to this (nil: no clipping).
    package var gradientClip: Double?
    /// Stop when the validation error has not improved for this many epochs (0: never).
    package var earlyStoppingPatience: Int
    /// Target transform of χ² outputs.
    package var targetTransform: TargetTransformKind
    /// c of the log1p target transform (Δχ² units).
    package var targetLogScale: Double
    /// How the network's last layer makes the target (`loss.output_structure`).
    package var outputStructure: OutputStructure
    /// M, the squared components of a `sum_of_squares` target (`loss.sos_components`).
    package var sosComponents: Int
    /// Loss weighting.
    package var weighting: WeightingKind
    /// Δχ² scale of the weighting.
    package var weightScale: Double
    /// Exponent of the `inverse` weighting (`loss.weight_power`): w = (1 + Δχ²/scale)^−power.
    package var weightPower: Double
    /// Weight of the per-experiment outputs in the loss, relative to the total χ² output.
    package var experimentLossWeight: Double
    /// Drop training points with Δχ² above this (nil: keep all; default 1000).
    package var maxDeltaChi2: Double?
    /// Fraction of points for training.
    package var trainFraction: Double
    /// Fraction for validation (early stopping, schedules).
    package var validationFraction: Double
    /// Fraction for the final accuracy report.
    package var testFraction: Double
    /// Seed of the split, initialisation and shuffling.
    package var seed: UInt64
    /// Ensemble size.
    package var members: Int
    /// BLAS threads for training.
    package var threads: Int
    /// Output emulator file.
    package var output: String
    /// The config file's text, stored in the emulator file.
    package var sourceText: String

    /// Reads and checks a config file; errors name the key.
    package static func read(_ path: String) throws -> FitConfig {
        var root = try JSONObject.parse(file: path)
        let text = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        var c = FitConfig.defaults
        c.sourceText = text

        if var d = try root.object("data") {
            c.files = try d.strings("files", [])
            if c.files.isEmpty { throw d.fail("files", "must list at least one scan file") }
            c.read.parameters = try d.string("parameters_dataset", nil)
            c.read.chi2 = try d.string("target_dataset", nil)
            c.read.parameterNames = try d.string("parameter_names_dataset", nil)
            c.read.layout = try d.choice("layout", ScanLayout.auto)
            c.perExperiment = try d.bool("per_experiment", true)
            c.targetIsChi2 = try d.bool("target_is_chi2", true)
            if !c.targetIsChi2 { c.read.chi2PerExperiment = ""; c.perExperiment = false }
            try d.finish()
        } else {
            throw root.fail("data", "missing (give data.files)")
        }
        if var n = try root.object("network") {
            c.hidden = try n.ints("hidden", c.hidden, min: 1, max: Emulator.limits.width)
            if c.hidden.isEmpty { throw n.fail("hidden", "must have at least one layer") }
            if c.hidden.count > Emulator.limits.layers { throw n.fail("hidden", "has \(c.hidden.count) layers, at most \(Emulator.limits.layers)") }
            c.activation = try n.choice("activation", c.activation)
            let text = try n.string("precision", c.precision.rawValue)!
            guard let precision = Precision(rawValue: text) else { throw n.fail("precision", "must be float32 or float64") }
            c.precision = precision
            c.initialisation = try n.choice("init", c.initialisation)
            c.inputTransform = try n.choice("input_transform", c.inputTransform)
            c.members = try n.int("members", c.members, min: 1, max: Emulator.limits.members)
            // Every member's weights, gradient and optimiser moments (4 × float64 per weight) are held at
            // once; the input width is at most a few dozen parameters (16 assumed here), the head small. A
            // network too large on its own is left to the per-member limit (FitRunner.maxTrainedParameters).
            var weights = 16.0 * Double(c.hidden[0]) + Double(c.hidden.reduce(0, +)) + 64.0 * Double(c.hidden.last!)
            for (a, b) in zip(c.hidden, c.hidden.dropFirst()) { weights += Double(a) * Double(b) }
            let need = Double(c.members) * weights * 32, budget = SizeLimits.memoryBytes / 2
            if need > budget && weights <= Double(FitRunner.maxTrainedParameters) {
                throw n.fail("members", "\(c.members) members of hidden \(c.hidden) need about \(SizeLimits.formatBytes(need)) for their weights, "
                             + "gradients and optimiser state, more than half of this machine's memory (\(SizeLimits.formatBytes(SizeLimits.memoryBytes))); "
                             + "use fewer members or narrower layers")
            }
            try n.finish()
        }
        if var t = try root.object("training") {
            c.optimizer.kind = try t.choice("optimizer", c.optimizer.kind)
            c.learningRate = try t.double("learning_rate", c.learningRate, min: 0, exclusiveMin: true)
            c.optimizer.momentum = try t.double("momentum", c.optimizer.momentum, min: 0, max: 0.9999)
            c.optimizer.nesterov = try t.bool("nesterov", c.optimizer.nesterov)
            c.optimizer.beta1 = try t.double("beta1", c.optimizer.beta1, min: 0, max: 0.9999)
            c.optimizer.beta2 = try t.double("beta2", c.optimizer.beta2, min: 0, max: 0.999999)
            c.optimizer.epsilon = try t.double("epsilon", c.optimizer.epsilon, min: 0, exclusiveMin: true)
            c.optimizer.weightDecay = try t.double("weight_decay", c.optimizer.weightDecay, min: 0)
            c.batchSize = try t.int("batch_size", c.batchSize, min: 1)
            c.epochs = try t.int("epochs", c.epochs, min: 1)
            c.maxMinutes = try t.double("max_minutes", c.maxMinutes, min: 0)
            c.schedule = try t.choice("schedule", c.schedule)
            c.minLearningRate = try t.double("min_learning_rate", c.minLearningRate, min: 0)
            c.stepEpochs = try t.int("step_epochs", c.stepEpochs, min: 1)
            c.gamma = try t.double("gamma", c.gamma, min: 0, exclusiveMin: true)
            c.plateauPatience = try t.int("plateau_patience", c.plateauPatience, min: 1)
            c.plateauFactor = try t.double("plateau_factor", c.plateauFactor, min: 0, max: 1, exclusiveMin: true)
            c.gradientClip = try t.optionalDouble("gradient_clip", min: 0, exclusiveMin: true)
            c.earlyStoppingPatience = try t.int("early_stopping_patience", c.earlyStoppingPatience, min: 0)
            c.threads = try t.int("threads", c.threads, min: 1, max: 1024)
            try t.finish()
        }
        // A scalar that is not a χ² (a cross section, say) has no sum-of-squares form: its default is `direct`.
        if !c.targetIsChi2 { c.outputStructure = .direct }
        if var l = try root.object("loss") {
            c.targetTransform = try l.choice("target_transform", c.targetTransform)
            c.targetLogScale = try l.double("target_scale", c.targetLogScale, min: 0, exclusiveMin: true)
            c.outputStructure = try l.choice("output_structure", c.outputStructure)
            c.sosComponents = try l.int("sos_components", c.sosComponents, min: 1, max: Emulator.limits.width)
            if c.outputStructure == .sumOfSquares && !c.targetIsChi2 {
                throw l.fail("output_structure", "sum_of_squares needs a χ² target (data.target_is_chi2 is false)")
            }
            c.weighting = try l.choice("weighting", c.weighting)
            c.weightScale = try l.double("scale", c.weightScale, min: 0, exclusiveMin: true)
            c.weightPower = try l.double("weight_power", c.weightPower, min: 0, max: 4)
            c.experimentLossWeight = try l.double("experiment_weight", c.experimentLossWeight, min: 0)
            c.maxDeltaChi2 = try l.optionalDouble("max_delta_chi2", min: 0, exclusiveMin: true, absent: c.maxDeltaChi2)
            try l.finish()
        }
        if var s = try root.object("split") {
            c.trainFraction = try s.double("train", c.trainFraction, min: 0, max: 1, exclusiveMin: true)
            c.validationFraction = try s.double("validation", c.validationFraction, min: 0, max: 1, exclusiveMin: true)
            c.testFraction = try s.double("test", c.testFraction, min: 0, max: 1, exclusiveMin: true)
            let sum = c.trainFraction + c.validationFraction + c.testFraction
            if sum > 1 + 1e-9 { throw s.fail("train", "train + validation + test = \(sum), must be ≤ 1") }
            try s.finish()
        }
        c.seed = try root.uint64("seed", c.seed)
        c.output = try root.string("output", c.output)!
        if c.output.isEmpty { throw root.fail("output", "must not be empty") }
        try root.finish()
        return c
    }

    /// The defaults (Configs/hera14.json spells out the same network and loss, with 2 members and 1200 epochs).
    package static let defaults = FitConfig(
        files: [], read: ScanReadOptions(), perExperiment: true, targetIsChi2: true,
        hidden: [256, 256, 256], activation: .silu, precision: .float32, inputTransform: .whiten, initialisation: .glorot,
        optimizer: OptimizerSettings(kind: .adam, momentum: 0.9, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-8,
                                     weightDecay: 0),
        learningRate: 1e-3, batchSize: 256, epochs: 300, maxMinutes: 10, schedule: .cosine,
        minLearningRate: 1e-6, stepEpochs: 100, gamma: 0.3, plateauPatience: 10, plateauFactor: 0.5,
        gradientClip: nil, earlyStoppingPatience: 0, targetTransform: .linear, targetLogScale: 20, outputStructure: .sumOfSquares, sosComponents: 32, weighting: .inverse, weightScale: 2, weightPower: 2,
        experimentLossWeight: 0.1, maxDeltaChi2: 1000, trainFraction: 0.8, validationFraction: 0.1,
        testFraction: 0.1, seed: 1, members: 1, threads: 2, output: "hera14_emulator.h5", sourceText: "")
}
