import FitEngine
import FitLanes
import FitLanesAVX2
import FitModels
import Foundation
import Kernels
import SolverCore
import Testing

/// Adding a model must not lose a path silently: every built-in model has its kernel function, every model
/// with lane maths is run by both lane builds, every model has a test against an outside reference, and
/// the numbers the kernel shares with Swift are generated, never copied.
@Suite struct ModelInventoryTests {
    @Test func everyBuiltinModelHasItsKernelFunction() {
        for model in BuiltinModels.all {
            #expect(model.openCLSource.contains("model_eval("), "\(model.name): its .cl file defines model_eval")
            let program = ProgramSource.assemble(model: model, huber: false, logResiduals: false, precision: .fp64)
            #expect(program.contains("__kernel void lm_fit("))
        }
    }

    /// A built-in model the scalar dispatch does not name runs unspecialised generic code, 10-20x slower.
    @Test func everyBuiltinModelHasASpecialisedScalarLoop() {
        for model in BuiltinModels.all {
            #expect(CPUEngine.hasSpecialisedScalarLoop(model), "\(model.name): add its type to CPUEngine.specialisedScalarLoop")
        }
        // A model the list does not name (a test's own) takes the generic loop.
        #expect(!CPUEngine.hasSpecialisedScalarLoop(BrokenKernelModel()))
    }

    /// A model with lane maths (VectorizedFitModel) that the lane dispatch does not name would run on the
    /// scalar loop, 2x slower, without a word.
    @Test func everyModelWithLaneMathsIsRunByBothLaneBuilds() {
        let vectorized = BuiltinModels.all.compactMap { $0 as? any VectorizedFitModel }
        #expect(vectorized.count >= 4)
        for model in vectorized {
            #expect(FitLanes.LaneEngine.supports(model), "\(model.name): portable lane build")
            #expect(FitLanesAVX2.LaneEngine.supports(model), "\(model.name): AVX2 lane build")
        }
        for model in BuiltinModels.all where !(model is any VectorizedFitModel) {
            #expect(!FitLanes.LaneEngine.supports(model), "\(model.name) claims lanes without lane maths")
        }
    }

    /// Where each built-in model is checked against something outside gpufit: NIST certified values, the
    /// paper's published numbers, or the independently derived expression engine (values and Jacobians).
    static let referenceTests: [String: [String]] = [
        "loss-law": ["PaperReproductionTests", "matchesBuiltins"],
        "compute-law": ["matchesBuiltins"],
        "sigmoid": ["PaperReproductionTests", "matchesBuiltins"],
        "log-sigmoid": ["variantIntermediates13B", "matchesBuiltins"],
        "single-step": ["matchesBuiltins"],
        "misra1a": ["NISTCertifiedTests", "matchesBuiltins"],
        "chwirut": ["NISTCertifiedTests", "matchesBuiltins"],
    ]

    @Test func everyBuiltinModelHasAReferenceTest() throws {
        #expect(Set(Self.referenceTests.keys) == Set(BuiltinModels.all.map(\.name)), "add the new model's reference test here")
        let testsRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        var sources = ""
        for case let file as URL in FileManager.default.enumerator(at: testsRoot, includingPropertiesForKeys: nil)!
        where file.pathExtension == "swift" && file.lastPathComponent != "ModelInventoryTests.swift" {
            sources += try String(contentsOf: file, encoding: .utf8)
        }
        for (model, tests) in Self.referenceTests {
            for test in tests {
                #expect(sources.contains("struct \(test)") || sources.contains("func \(test)("), "\(model): test \(test) exists")
            }
        }
    }

    @Test func sharedConstantsAreGeneratedNotCopied() throws {
        let defines = ProgramSource.sharedDefines
        for state in FitState.allCases {
            let name = "STATE_" + state.description.uppercased().replacingOccurrences(of: "-", with: "_")
            #expect(defines.contains("#define \(name) \(state.rawValue)\n"))
            #expect(!KernelSource.lm.contains("#define \(name)"), "lm.cl must not define \(name) by hand")
        }
        for (name, value) in [("PHASE1_FTOL", LMSpec.phase1Ftol), ("MAX_DAMPING", LMSpec.maxDamping),
                              ("HUBER_LINEAR_CURVATURE", LMSpec.huberLinearCurvature), ("DAMPING_FLOOR", LMSpec.dampingFloor),
                              ("SIZE_FLOOR", LMSpec.sizeFloor), ("GRADIENT_FLOOR", LMSpec.gradientFloor)] {
            #expect(!KernelSource.lm.contains("#define \(name)"))
            // The define reads back as the same double.
            let line = try #require(defines.split(separator: "\n").first { $0.hasPrefix("#define \(name) ") })
            let literal = line.split(separator: " ").last!.replacingOccurrences(of: "((REAL)", with: "").trimmingCharacters(in: CharacterSet(charactersIn: ")"))
            #expect(Double(literal) == value, "\(name): \(literal)")
        }
    }
}
