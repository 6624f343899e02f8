import ArgumentParser

/// `dropstream-bench SCENARIO`: benchmarks print figures; tests assert behaviour.
/// One file per scenario; add a scenario by adding its command to `subcommands`.
struct DropStreamBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dropstream-bench",
        abstract: "Measure the figures the README reports (run a release build).",
        subcommands: [SandboxServe.self])
}

// The async entry point, chosen by type (a bare `main()` resolves to the synchronous one here).
let entry: () async -> Void = DropStreamBench.main
await entry()
