import FitModels
import Kernels
import SolverCore

/// Assembles the OpenCL program of one (model, loss, residual space, precision) in a fixed order:
/// defines, common header, the model's `model_eval`, the LM kernel (style: one function, one order).
public enum ProgramSource {
    public static func assemble(model: any FitModel, huber: Bool, logResiduals: Bool, precision: Precision) -> String {
        var text = "// gpufit program: model '\(model.name)'\n"
        text += "#define GPUFIT_FP64 \(precision == .fp64 ? 1 : 0)\n"
        text += "#define NPARAMS \(model.parameterCount)\n"
        text += "#define NVARS \(model.variableCount)\n"
        text += "#define LOSS_HUBER \(huber ? 1 : 0)\n"
        text += "#define LOG_RESIDUALS \(logResiduals ? 1 : 0)\n"
        text += sharedDefines
        text += KernelSource.common + "\n"
        text += model.openCLSource + "\n"
        text += KernelSource.lm
        return text
    }

    /// The numbers the kernel shares with the Swift solvers, generated from their Swift definitions
    /// (FitState's raw values, LMSpec's constants; Swift's shortest round-trip decimal, so the kernel reads
    /// the same double), so kernels/lm.cl never copies one by hand.
    public static var sharedDefines: String {
        var text = ""
        for state in FitState.allCases {
            text += "#define STATE_\(state.description.uppercased().replacingOccurrences(of: "-", with: "_")) \(state.rawValue)\n"
        }
        for (name, value) in [("HUBER_LINEAR_CURVATURE", LMSpec.huberLinearCurvature), ("PHASE1_FTOL", LMSpec.phase1Ftol),
                              ("MAX_DAMPING", LMSpec.maxDamping), ("DAMPING_FLOOR", LMSpec.dampingFloor),
                              ("SIZE_FLOOR", LMSpec.sizeFloor), ("GRADIENT_FLOOR", LMSpec.gradientFloor)] {
            text += "#define \(name) ((REAL)\(value.description))\n"
        }
        return text
    }

    /// FNV-1a 64-bit hash, for program cache keys (stable across runs, unlike `Hasher`).
    public static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
