import ArgumentParser

/// `dropstream-bench SCENARIO`: benchmarks print figures; tests assert behaviour.
/// One file per scenario; add a scenario by adding its command to `subcommands`.
/// A benchmark scenario: a subcommand whose `measure()` prints its figures.
protocol BenchScenario: AsyncParsableCommand {
    func measure() async throws
}

extension BenchScenario {
    func run() async throws { try await measure() }
}

struct DropStreamBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dropstream-bench",
        abstract: "Measure the figures the README reports (run a release build).",
        subcommands: [SandboxServe.self, Backfill.self, QueueThroughput.self, Fleet.self, Startup.self, Drill.self])
}

// In a main.swift, `main()` and `run()` resolve to ParsableCommand's synchronous versions (which
// refuse async commands / print help), so parse and call the scenario's `measure()` by name.
do {
    var command = try DropStreamBench.parseAsRoot()
    if let scenario = command as? any BenchScenario {
        try await scenario.measure()
    } else {
        try command.run()  // --help, or no scenario given
    }
} catch {
    DropStreamBench.exit(withError: error)
}
