import ArgumentParser
import FitEngine
import Foundation

@main
struct GPUFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gpufit",
        abstract: "Massively multi-start and bootstrapped Levenberg-Marquardt fits on OpenCL devices or the CPU.",
        discussion: "With no subcommand, gpufit runs the main job (`gpufit ladder`) on the embedded OLMo model ladder: "
            + "per task, the two-step scaling-law prediction of the 7B-4T and 13B-5T models with bootstrap intervals, "
            + "and the variance comparison across tasks. `gpufit --device 0 --starts 10000` is that job on device 0.",
        version: GPUFitVersion.string,
        subcommands: [LadderCommand.self, FitCommand.self, VarianceCommand.self, DevicesCommand.self, BenchCommand.self],
        defaultSubcommand: LadderCommand.self
    )
}

enum GPUFitVersion {
    static let string = "0.1.0"
}
