import ArgumentParser
import DropStreamControl
import Foundation

/// `dropstreamctl queue ...`: the warehouse's side of the queue.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Claim orders to ship and keep their leases alive (the warehouse side).",
        discussion: """
            A claim moves the oldest 'ready' orders to 'claimed' for one worker, atomically: no \
            order is ever handed to two workers. A claim is a lease: ship the order ('orders \
            ship'), give it back ('orders release'), or extend the lease ('queue heartbeat') \
            before it runs out; an expired lease puts the order back in the queue.
            """,
        subcommands: [QueueClaimCommand.self, QueueHeartbeatCommand.self]
    )
}

struct QueueClaimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claim",
        abstract: "Claim the oldest ready orders for a worker.",
        discussion: """
            Prints each claimed order with its DropStream id (what 'orders ship ID' takes), the \
            store's order number, the ship-to address, the shipping method, the lines (line id, \
            SKU, quantity), the warehouse lines after the store's SKU rules with the service \
            code, and the customer's message ('orders show ID' shows the same warehouse lines \
            before a claim). Prints nothing to claim when the queue is \
            empty (exit status 0). With --json, prints the control API's POST /v1/queue/claim \
            response unchanged.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Who claims: the lease holder, and the actor in each order's history.", valueName: "name"))
    var worker: String

    @Option(name: .long, help: ArgumentHelp("Claim at most this many orders (1-500).", valueName: "n"))
    var limit: Int = 1

    @Option(name: .long, help: ArgumentHelp("How long the claim lasts without a heartbeat, like 90s, 10m or 2h.", discussion: "Default: the daemon's queue.default_lease (10m unless configured).", valueName: "duration"))
    var lease: String?

    @Option(name: .long, help: ArgumentHelp("Only claim orders of this store.", valueName: "store"))
    var store: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard (1...500).contains(limit) else { throw ValidationError("--limit must be from 1 to 500.") }
        if let lease, CtlDuration.seconds(lease) == nil { throw ValidationError("--lease '\(lease)' is not a duration like 90s, 10m or 2h.") }
    }

    func run() async throws {
        let request = ClaimRequest(worker: worker, limit: limit, leaseSeconds: lease.flatMap(CtlDuration.seconds), store: store)
        let response: ClaimResponse = try await callDaemon { () async throws(ControlClientError) in
            try await global.client.send(.POST, ControlAPI.Path.queueClaim, body: request, as: ClaimResponse.self)
        }
        if global.json { return try JSONOutput.print(response) }
        guard !response.orders.isEmpty else { return print("Nothing to claim: no ready orders\(store.map { " in store '\($0)'" } ?? "").") }
        print("Claimed \(response.orders.count) order\(response.orders.count == 1 ? "" : "s") for \(response.worker).")
        for order in response.orders {
            print("")
            print(OrderText.claimed(order))
        }
    }
}

struct QueueHeartbeatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heartbeat",
        abstract: "Extend a worker's leases on orders it holds.",
        discussion: """
            Each lease is set to now + --lease. Orders the worker no longer holds (the lease ran \
            out and the order went back to the queue, it was released, shipped or never claimed \
            by this worker) are listed as lost, and the command exits 1: stop working on them.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The worker that holds the claims.", valueName: "name"))
    var worker: String

    @Option(name: .long, help: ArgumentHelp("The new lease, counted from now, like 90s, 10m or 2h.", discussion: "Default: the daemon's queue.default_lease.", valueName: "duration"))
    var lease: String?

    @Argument(help: ArgumentHelp("DropStream order ids.", valueName: "id"))
    var ids: [Int64]

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard !ids.isEmpty else { throw ValidationError("Name at least one order id.") }
        if let lease, CtlDuration.seconds(lease) == nil { throw ValidationError("--lease '\(lease)' is not a duration like 90s, 10m or 2h.") }
    }

    func run() async throws {
        let request = HeartbeatRequest(worker: worker, orderIds: ids, leaseSeconds: lease.flatMap(CtlDuration.seconds))
        let response: HeartbeatResponse = try await callDaemon { () async throws(ControlClientError) in
            try await global.client.send(.POST, ControlAPI.Path.queueHeartbeat, body: request, as: HeartbeatResponse.self)
        }
        if global.json {
            try JSONOutput.print(response)
        } else {
            for lease in response.extended { print("order \(lease.id): lease until \(OrderText.time(lease.leaseExpiresAt))") }
            for id in response.lost { print("order \(id): LOST (not claimed by \(worker) any more)") }
        }
        if !response.lost.isEmpty { throw ExitCode(1) }
    }
}

/// Durations on the command line: `90s`, `10m`, `2h`, `1d`, or bare seconds.
enum CtlDuration {
    static func seconds(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        for (suffix, scale) in [("s", 1), ("m", 60), ("h", 3600), ("d", 86400)] where trimmed.hasSuffix(suffix) {
            guard let value = Int(trimmed.dropLast()), value > 0 else { return nil }
            return value * scale
        }
        guard let value = Int(trimmed), value > 0 else { return nil }
        return value
    }
}
