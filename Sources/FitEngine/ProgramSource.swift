import FitModels
import Kernels

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
        text += KernelSource.common + "\n"
        text += model.openCLSource + "\n"
        text += KernelSource.lm
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
