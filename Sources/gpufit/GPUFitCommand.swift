import ArgumentParser
import CSVReading
import FitEngine
import Foundation
import ModelExpressions

@main
struct GPUFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gpufit",
        abstract: "Massively multi-start and bootstrapped Levenberg-Marquardt fits on OpenCL devices or the CPU.",
        discussion: "With no subcommand, gpufit runs the main job (`gpufit ladder`) on the embedded OLMo model ladder: "
            + "per task, the two-step scaling-law prediction of the 7B-4T and 13B-5T models with bootstrap intervals, "
            + "and the variance comparison across tasks. `gpufit --device 0 --starts 10000` is that job on device 0.\n\n"
            + ExitStatus.helpText,
        version: GPUFitVersion.string,
        subcommands: [LadderCommand.self, FitCommand.self, VarianceCommand.self, MergeCommand.self, DevicesCommand.self, BenchCommand.self, ServeCommand.self],
        defaultSubcommand: LadderCommand.self
    )

    /// Parses, runs, and maps every error to one line on stderr and its documented exit status.
    static func main() {
        let command: ParsableCommand
        do { command = try parseAsRoot() } catch {
            // --help and --version keep argument-parser's handling; a usage error is one `error:` line (exit 64).
            let status = exitCode(for: error)
            if status == .success { exit(withError: error) }
            FileHandle.standardError.write(Data("error: \(message(for: error))\n(--help lists the options)\n".utf8))
            Foundation.exit(status.rawValue)
        }
        do {
            var command = command
            try command.run()
        } catch {
            if let status = ExitStatus(error) {
                FileHandle.standardError.write(Data("error: \(ExitStatus.oneLine(error))\n".utf8))
                Foundation.exit(status.rawValue)
            }
            exit(withError: error)  // CleanExit, ExitCode, ValidationError: argument-parser's own handling
        }
    }
}

enum GPUFitVersion {
    static let string = "0.1.0"
}
