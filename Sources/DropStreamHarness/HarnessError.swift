// DropStreamHarness: test and benchmark harness — never linked by dropstreamd/dropstreamctl.
// Process and socket plumbing shared by the test targets and dropstream-bench; it knows
// nothing of the daemon (what to spawn with which config stays in each target's support file).

/// A harness step that failed, with a message that says what and why.
public struct HarnessError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Polls `condition` every 25 ms until it holds or `timeout` passes; throws then (no fixed
/// sleeps: a loaded machine only makes it take longer, not fail).
public func eventually(_ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < deadline else { throw HarnessError("timed out waiting for: \(what)") }
        try await Task.sleep(for: .milliseconds(25))
    }
}
