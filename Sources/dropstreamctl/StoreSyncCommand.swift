import ArgumentParser
import DropStreamControl
import Foundation

/// `dropstreamctl store sync NAME [--full] [--wait]` (issue 5). Registered under the `store`
/// command group.
struct StoreSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Sync a store now instead of waiting for its next pass.",
        discussion: """
            Asks dropstreamd to run a sync pass of the store right away. By default the pass is \
            incremental (orders modified since the last pass, minus the configured overlap); \
            --full lists every order in the store's Order Import Status and re-checks queued \
            orders that are no longer in it.

            Without --wait the pass is scheduled and the command returns at once. With --wait \
            it prints the pass's result: orders seen, new, updated, cancelled and held, API \
            requests used and quota left, or the error. A pass that fails exits 1.

            With --json, prints the control API's POST /v1/stores/{name}/sync response.
            """
    )

    @Argument(help: "The store's name.")
    var name: String

    @Flag(name: .long, help: "Run a full pass over the import status instead of an incremental one.")
    var full = false

    @Flag(name: .long, help: "Wait for the pass to finish and print its result.")
    var wait = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let response: SyncResponse
        do {
            // A waited-for backfill can take long: the default 30 s request timeout would cut it.
            let client = wait ? ControlClient(socketPath: global.socket ?? ControlSocketPath.clientDefault(), timeout: .seconds(6 * 3600)) : global.client
            response = try await client.send(
                .POST, ControlAPI.Path.storeSync(name), body: SyncRequest(full: full, wait: wait), as: SyncResponse.self)
        } catch {
            throw CtlFailure.exit(for: error)
        }
        if global.json {
            try JSONOutput.print(response)
        } else {
            print(SyncPassText.render(response))
        }
        if let pass = response.pass, pass.outcome != "succeeded" { throw ExitCode(1) }
    }
}

/// The human rendering of a sync pass.
enum SyncPassText {
    static func render(_ response: SyncResponse) -> String {
        guard let pass = response.pass else {
            return "A sync pass of store '\(response.store)' is scheduled; 'dropstreamctl store show \(response.store)' shows its result."
        }
        var lines: [String] = []
        let duration = pass.durationMilliseconds.map { String(format: "%.1fs", Double($0) / 1000) } ?? "-"
        lines.append("Store '\(response.store)': \(pass.kind) pass \(pass.outcome) in \(duration)")
        lines.append("  orders seen \(pass.ordersSeen), new \(pass.ordersNew), updated \(pass.ordersUpdated), cancelled \(pass.ordersCancelled)" + (pass.ordersHeld.map { ", held \($0)" } ?? ""))
        lines.append("  requests used \(pass.requestsUsed), quota left " + (pass.quotaLeft.map(String.init) ?? "unknown"))
        if let error = pass.error { lines.append("  error: \(error)") }
        return lines.joined(separator: "\n")
    }
}
