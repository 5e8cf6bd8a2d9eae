import ArgumentParser

struct LadderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ladder", abstract: "Task scaling-law predictions from a model ladder.")
    @OptionGroup var engineOptions: EngineOptions
    @OptionGroup var sweepOptions: SweepOptions
    func run() throws { print("ladder: not yet") }
}
struct VarianceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "variance", abstract: "Compare variance across tasks.")
    func run() throws { print("variance: not yet") }
}
