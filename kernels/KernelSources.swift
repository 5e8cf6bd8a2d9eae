// The OpenCL C sources of gpufit, embedded into the binary by SwiftPM (`.embedInCode` in Package.swift).
public enum KernelSource {
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
    public static let common = text(PackageResources.common_cl)
    public static let lm = text(PackageResources.lm_cl)
    public static let lossLaw = text(PackageResources.model_loss_law_cl)
    public static let computeLaw = text(PackageResources.model_compute_law_cl)
    public static let sigmoid = text(PackageResources.model_sigmoid_cl)
    public static let logSigmoid = text(PackageResources.model_log_sigmoid_cl)
    public static let singleStep = text(PackageResources.model_single_step_cl)
    public static let misra1a = text(PackageResources.model_misra1a_cl)
    public static let chwirut = text(PackageResources.model_chwirut_cl)
}
