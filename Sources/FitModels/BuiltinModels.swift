import Foundation
import Kernels

// The built-in models, one file each (LossLawModel.swift, ...) beside their kernels/model_*.cl. Each
// `evaluate` mirrors, line for line, the OpenCL C file named in its comment; EngineAgreementTests run both
// on random points and parameters, and ModelInventoryTests check that none lacks a path.

/// The models available by name (`--model NAME`).
public enum BuiltinModels {
    public static let all: [any FitModel] = [
        LossLawModel(), ComputeLawModel(), SigmoidModel(), LogSigmoidModel(), SingleStepModel(),
        Misra1aModel(), ChwirutModel(),
    ]

    public static func named(_ name: String) -> (any FitModel)? {
        all.first { $0.name == name.lowercased() }
    }
}
