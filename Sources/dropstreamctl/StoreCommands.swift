import ArgumentParser
import DropStreamControl
import Foundation

/// `dropstreamctl store …`: add, inspect, change, pause, resume, authorize and remove stores.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Add, authorize, inspect, change and remove store connections.",
        discussion: """
            A store is added with 'store add' (it is then awaiting authorization), connected \
            with 'store authorize' (the store owner confirms the app in BigCommerce), and from \
            then on polled for orders in its Order Import Status. 'dropstreamctl connect' walks \
            through the same steps interactively.

            Stores are named by the name given to 'store add' (case-insensitive).

            Exit status: as for dropstreamctl (0 success, 1 refused or failed, 64 command line, \
            69 daemon not running, 76 unreadable answer, 77 permission denied).
            """,
        subcommands: [
            StoreAddCommand.self, StoreListCommand.self, StoreShowCommand.self, StoreSetCommand.self,
            StorePauseCommand.self, StoreResumeCommand.self, StoreRemoveCommand.self,
            StoreAuthorizeCommand.self, StoreStatusesCommand.self, StoreSyncCommand.self,
        ]
    )
}


/// Prints a refusal made by the ctl itself (not the daemon) and exits with `code`.
func refuse(_ message: String, code: Int32 = 1) -> ExitCode {
    FileHandle.standardError.write(Data("dropstreamctl: \(message)\n".utf8))
    return ExitCode(code)
}

// MARK: - add

struct StoreAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a store; it waits for authorization.",
        discussion: """
            The wizard's Store Setup step. The store is created in the state \
            awaiting_authorization; nothing is fetched from it until 'dropstreamctl store \
            authorize NAME' has been completed by the store owner.

            Give the store hash with --store-hash (abcde) or paste the whole API path with \
            --api-path (https://api.bigcommerce.com/stores/abcde/v3/); the hash is the segment \
            after /stores/. A malformed hash, a name or hash already in use, or an unknown import \
            status is refused and nothing is written.

            With --json, prints the new store as the control API's StoreDetail.
            """
    )

    @Argument(help: ArgumentHelp("The store's name: 1 to 64 printable characters, no '/'; unique, case-insensitive.", valueName: "name"))
    var name: String

    @Option(help: ArgumentHelp("The store's platform. Only 'bigcommerce' today.", valueName: "platform"))
    var platform: String = "bigcommerce"

    @Option(name: .customLong("store-hash"), help: ArgumentHelp("The BigCommerce store hash (the part after /stores/ in the API path).", valueName: "hash"))
    var storeHash: String?

    @Option(name: .customLong("api-path"), help: ArgumentHelp("The store's API path or URL, as shown in the BigCommerce control panel; the hash is taken from it.", valueName: "url"))
    var apiPath: String?

    @Option(name: .customLong("import-status"), help: ArgumentHelp(
        "The Order Import Status: an id (11) or system name (\"Awaiting Fulfillment\"). Default: 11.",
        discussion: "A store's custom label can be used with 'store set' once the store is authorized.", valueName: "status"))
    var importStatus: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        switch (storeHash, apiPath) {
        case (nil, nil): throw ValidationError("give the store with --store-hash HASH or --api-path URL")
        case (.some, .some): throw ValidationError("give either --store-hash or --api-path, not both")
        default: break
        }
    }

    func run() async throws {
        let request = AddStoreRequest(name: name, platform: platform, storeHash: storeHash ?? apiPath ?? "", importStatus: importStatus)
        let store = try await callDaemon { () async throws(ControlClientError) in
            try await global.client.send(.POST, ControlAPI.Path.stores, body: request, as: StoreDetail.self)
        }
        if global.json { return try JSONOutput.print(store) }
        print("Added store '\(store.name)' (\(store.platform), hash \(store.storeHash)), importing orders in \(StoreTable.status(store.importStatus)).")
        print("Next: dropstreamctl store authorize \(StoreTable.shellQuoted(store.name)) --wait")
    }
}

// MARK: - list, show

struct StoreListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every store with its state, import status and orders.",
        discussion: """
            One line per store: name, platform, store hash, state (awaiting_authorization, \
            active, paused, needs_reauthorization, disconnected), Order Import Status and the \
            number of orders ready and held in the queue.

            With --json, prints the control API's GET /v1/stores response.
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let list = try await callDaemon { () async throws(ControlClientError) in
            try await global.client.get(ControlAPI.Path.stores, as: StoreListResponse.self)
        }
        if global.json { return try JSONOutput.print(list) }
        if list.stores.isEmpty {
            print("No stores. Add one with 'dropstreamctl connect' or 'dropstreamctl store add'.")
            return
        }
        print(StoreTable.list(list.stores))
    }
}

struct StoreShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one store's settings, state and order counts.",
        discussion: """
            Shows the platform and hash, the state and what to do about it, the Order Import \
            Status, the claim status (set in the store when an order is claimed, or off), the \
            poll interval, whether the daemon holds a token (never the token itself), \
            the store's orders by queue state, the sync engine's view (last pass: time, duration, \
            orders seen/new/updated/cancelled, requests used, quota left; next pass; last error) \
            and the store's connection history.

            With --json, prints the control API's StoreDetail with its `sync` field filled.
            """
    )

    @Argument(help: ArgumentHelp("The store's name.", valueName: "name"))
    var name: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        var store = try await callDaemon { () async throws(ControlClientError) in
            try await global.client.get(ControlAPI.Path.store(name), as: StoreDetail.self)
        }
        // The sync view is a separate route; a daemon without it still shows the rest.
        store.sync = try? await global.client.get(ControlAPI.Path.storeSync(name), as: StoreSyncInfo.self)
        if global.json { return try JSONOutput.print(store) }
        print(StoreTable.detail(store))
    }
}

// MARK: - set

struct StoreSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change a store's Order Import Status, claim status or poll interval.",
        discussion: """
            --import-status accepts a status id (11), a system name ("Awaiting Fulfillment") or \
            the store's own custom label ("Ready to pack"); it is checked against the store's live \
            order statuses (see 'store statuses NAME'), so a custom label needs an authorized \
            store. An unknown status is refused with the list of valid choices.

            --claim-status is the status the daemon sets in the store when a worker claims one \
            of its orders (new stores get queue.claim_status, by default 9 Awaiting Shipment), \
            given the same way, or 'off' to leave the store's status alone. It must be an open \
            status (not Incomplete, Shipped, Partially Shipped, Completed, Cancelled, Refunded, \
            Partially Refunded or Declined) and differ from the import status. A flipped order \
            that is released, held or whose lease expires gets the import status back. Nothing \
            is written when any value is refused.

            --poll-interval takes a duration such as 30s, 5m or 1h (a bare number is seconds); \
            0 returns to the daemon's configured default.

            With --json, prints the updated StoreDetail.
            """
    )

    @Argument(help: ArgumentHelp("The store's name.", valueName: "name"))
    var name: String

    @Option(name: .customLong("import-status"), help: ArgumentHelp("The new Order Import Status: id, system name or custom label.", valueName: "status"))
    var importStatus: String?

    @Option(name: .customLong("poll-interval"), help: ArgumentHelp("Time between polls, e.g. 30s, 5m, 1h; 0 for the default.", valueName: "duration"))
    var pollInterval: String?

    @Option(name: .customLong("claim-status"), help: ArgumentHelp(
        "The status set in the store when an order is claimed: id, system name or custom label; 'off' for none.",
        valueName: "status|off"))
    var claimStatus: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard importStatus != nil || pollInterval != nil || claimStatus != nil else {
            throw ValidationError("nothing to change: give --import-status, --claim-status and/or --poll-interval")
        }
        if let claimStatus, claimStatus.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--claim-status needs a status (id, name or custom label) or 'off'")
        }
        if let pollInterval, DurationText.seconds(pollInterval) == nil {
            throw ValidationError("--poll-interval '\(pollInterval)' is not a duration; use e.g. 30s, 5m or 1h")
        }
    }

    func run() async throws {
        let request = UpdateStoreRequest(
            importStatus: importStatus, pollIntervalSeconds: pollInterval.flatMap(DurationText.seconds), claimStatus: claimStatus)
        let store = try await callDaemon { () async throws(ControlClientError) in
            try await global.client.send(.PATCH, ControlAPI.Path.store(name), body: request, as: StoreDetail.self)
        }
        if global.json { return try JSONOutput.print(store) }
        print("Store '\(store.name)': import status \(StoreTable.status(store.importStatus)), claim status \(StoreTable.claimStatus(store)), poll interval \(store.pollIntervalSeconds.map(DurationText.format) ?? "default").")
    }
}

// MARK: - pause, resume

struct StorePauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Stop polling an active store (orders already queued stay).",
        discussion: "Only an active store can be paused. With --json, prints the StoreDetail."
    )

    @Argument(help: ArgumentHelp("The store's name.", valueName: "name"))
    var name: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let store = try await callDaemon { () async throws(ControlClientError) in
            try await global.client.send(.POST, ControlAPI.Path.pauseStore(name), as: StoreDetail.self)
        }
        if global.json { return try JSONOutput.print(store) }
        print("Store '\(store.name)' is \(store.state).")
    }
}

struct StoreResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume polling a paused store.",
        discussion: """
            Only a paused store can be resumed; a store that needs re-authorization is repaired \
            with 'store authorize' instead. With --json, prints the StoreDetail.
            """
    )

    @Argument(help: ArgumentHelp("The store's name.", valueName: "name"))
    var name: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let store = try await callDaemon { () async throws(ControlClientError) in
            try await global.client.send(.POST, ControlAPI.Path.resumeStore(name), as: StoreDetail.self)
        }
        if global.json { return try JSONOutput.print(store) }
        print("Store '\(store.name)' is \(store.state).")
    }
}

// MARK: - remove

struct StoreRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Disconnect a store, or delete it with its orders (--purge).",
        discussion: """
            Without --purge the store is disconnected: its token is deleted and polling stops, \
            but the store, its orders and their history are kept (authorize it again to \
            reconnect). With --purge the store and everything that belongs to it are deleted; \
            the daemon refuses while orders are still ready, held or claimed, or shipments are \
            not yet delivered to the store, unless --force is given as well.

            Asks for confirmation on a terminal; --yes skips the question. Without a terminal \
            --yes is required, so a script cannot remove a store by accident.

            With --json, prints the control API's RemoveStoreResponse.
            """
    )

    @Argument(help: ArgumentHelp("The store's name.", valueName: "name"))
    var name: String

    @Flag(help: "Delete the store with its orders, history and rules instead of only disconnecting it.")
    var purge = false

    @Flag(help: "With --purge: delete even while orders are still in the queue or shipments undelivered.")
    var force = false

    @Flag(name: .shortAndLong, help: "Do not ask for confirmation (required without a terminal).")
    var yes = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if force && !purge { throw ValidationError("--force only applies with --purge") }
    }

    func run() async throws {
        if !yes {
            guard Terminal.isInteractive else {
                throw refuse("refusing to remove store '\(name)' without confirmation: no terminal to ask on. Add --yes to confirm.", code: 64)
            }
            let what = purge ? "Delete store '\(name)' with all its orders and history" : "Disconnect store '\(name)' (orders and history are kept)"
            guard let answer = Terminal.ask("\(what)? [y/N] "), ["y", "yes"].contains(answer.lowercased()) else {
                throw refuse("not removed.")
            }
        }
        var path = ControlAPI.Path.store(name)
        if purge { path += force ? "?purge=true&force=true" : "?purge=true" }
        let removed = try await callDaemon { () async throws(ControlClientError) in
            try await global.client.send(.DELETE, path, as: RemoveStoreResponse.self)
        }
        if global.json { return try JSONOutput.print(removed) }
        print(removed.purged
              ? "Store '\(removed.name)' was deleted with its orders and history."
              : "Store '\(removed.name)' is disconnected; its orders and history are kept. Reconnect with 'dropstreamctl store authorize \(StoreTable.shellQuoted(removed.name))'.")
    }
}

// MARK: - authorize

/// What `store authorize --json` prints: the window, and with `--wait` how it ended.
struct AuthorizeOutput: Codable {
    var authorization: AuthorizationStartResponse
    var progress: AuthorizationProgressResponse?
}

struct StoreAuthorizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorize",
        abstract: "Start (or repeat) the OAuth authorization of a store.",
        discussion: """
            Opens an authorization window in the daemon and prints the URL the store owner opens \
            in a browser: they sign in to BigCommerce and click Confirm, and BigCommerce sends \
            the browser back to the daemon's auth callback URL (also printed: it must be the \
            app's registered Auth Callback URL). The daemon then exchanges the code for a token, \
            stores it encrypted, and the store becomes active.

            Works for a new store (awaiting_authorization), one whose token stopped working \
            (needs_reauthorization) and a disconnected one.

            --wait keeps watching until the callback completes or the window closes, printing \
            progress. A refused callback (forged, replayed, or a code BigCommerce did not accept) \
            is shown but does not end the wait: the window stays open, so the store owner's own \
            confirmation can still succeed. It exits 1 with the reason (the last refusal, if \
            any) when the window closes or --timeout passes. --timeout (e.g. 90s, 10m) defaults \
            to the window's length (the daemon's authorization.window).

            With --json, prints {"authorization": AuthorizationStartResponse, "progress":
            AuthorizationProgressResponse or null}.
            """
    )

    @Argument(help: ArgumentHelp("The store's name.", valueName: "name"))
    var name: String

    @Flag(help: "Wait for the store owner to confirm, showing progress.")
    var wait = false

    @Option(help: ArgumentHelp("With --wait: give up after this long, e.g. 90s, 10m.", valueName: "duration"))
    var timeout: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let timeout, (DurationText.seconds(timeout) ?? 0) <= 0 {
            throw ValidationError("--timeout '\(timeout)' is not a positive duration; use e.g. 90s or 10m")
        }
        if timeout != nil && !wait { throw ValidationError("--timeout only applies with --wait") }
    }

    func run() async throws {
        let client = global.client
        let start = try await callDaemon { () async throws(ControlClientError) in
            try await client.send(.POST, ControlAPI.Path.authorization(name), as: AuthorizationStartResponse.self)
        }
        if !global.json {
            print(AuthorizationText.instructions(start))
        }
        guard wait else {
            if global.json { try JSONOutput.print(AuthorizeOutput(authorization: start, progress: nil)) }
            return
        }
        let deadline = timeout.flatMap(DurationText.seconds).map { Date().addingTimeInterval(TimeInterval($0)) }
            ?? start.expiresAt.addingTimeInterval(2)
        let progress = try await AuthorizationWaiter.wait(client: client, store: start.store, until: deadline, echo: !global.json)
        if global.json { try JSONOutput.print(AuthorizeOutput(authorization: start, progress: progress)) }
        switch progress.phase {
        case .completed:
            if !global.json { print("Store '\(start.store)' is connected and active.") }
        case .waiting:
            throw refuse("timed out waiting for store '\(start.store)' to be authorized; the store owner can still confirm until \(AuthorizationText.time(start.expiresAt)) (check with 'dropstreamctl store show \(StoreTable.shellQuoted(start.store))').")
        default:
            throw refuse("authorization of store '\(start.store)' did not complete: \(progress.detail)")
        }
    }
}

/// Polls `GET …/authorization` until something final happens or `deadline` passes.
///
/// A refused callback is not final: the daemon keeps the window open (a forged or replayed
/// callback must not end the store owner's genuine attempt), so the waiter reports it and
/// keeps waiting.
enum AuthorizationWaiter {
    static func wait(
        client: ControlClient, store: String, until deadline: Date, echo: Bool
    ) async throws -> AuthorizationProgressResponse {
        var lastDetail = ""
        var dots = 0
        while true {
            let progress = try await callDaemon { () async throws(ControlClientError) in
                try await client.get(ControlAPI.Path.authorization(store), as: AuthorizationProgressResponse.self)
            }
            switch progress.phase {
            case .completed, .expired, .notStarted:
                if echo && dots > 0 { print("") }
                return progress
            case .failed, .waiting:
                if echo {
                    if progress.detail != lastDetail {
                        if dots > 0 { print("") }
                        print(progress.phase == .failed ? "  Refused: \(progress.detail); still waiting (Ctrl-C to stop)" : "  Waiting: \(progress.detail)", terminator: "")
                        lastDetail = progress.detail
                        dots = 1
                    } else if dots % 5 == 0 {
                        print(".", terminator: "")
                    }
                    dots += 1
                    fflush(nil)
                }
            }
            if Date() >= deadline {
                if echo && dots > 0 { print("") }
                return progress
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

enum AuthorizationText {
    static func instructions(_ start: AuthorizationStartResponse) -> String {
        """
        Authorize store '\(start.store)': the store owner opens this URL, signs in and clicks Confirm:

            \(start.authorizeURL)

        BigCommerce sends the browser back to this daemon at
            \(start.callbackURL)
        (it must be the app's registered Auth Callback URL). The window is open until \(time(start.expiresAt)).
        """
    }

    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}

// MARK: - statuses

struct StoreStatusesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statuses",
        abstract: "List a store's live order statuses with its custom labels.",
        discussion: """
            Asks the store (GET /v2/order_statuses) for its statuses: id, system name and the \
            merchant's custom label. The current Order Import Status is marked with '*'. Any of \
            the three columns can be given to 'store set NAME --import-status'.

            Needs an authorized store. If the store refuses the daemon's token (401), the store \
            becomes needs_reauthorization and this command says to run 'store authorize'.

            With --json, prints the control API's OrderStatusListResponse.
            """
    )

    @Argument(help: ArgumentHelp("The store's name.", valueName: "name"))
    var name: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let list = try await callDaemon { () async throws(ControlClientError) in
            try await global.client.get(ControlAPI.Path.orderStatuses(name), as: OrderStatusListResponse.self)
        }
        if global.json { return try JSONOutput.print(list) }
        print(StoreTable.statuses(list))
    }
}

// MARK: - rendering

/// Human renderings of the store types.
enum StoreTable {
    static func status(_ status: OrderStatusInfo) -> String {
        "\(status.id) \(status.name)" + (status.customLabel.map { " (\"\($0)\")" } ?? "")
    }

    /// The claim flip setting: `9 Awaiting Shipment (set in the store on claim)` or `off`.
    static func claimStatus(_ store: StoreDetail) -> String {
        store.claimStatus.map { status($0) + " (set in the store on claim)" } ?? "off (the store's status is left alone on claim)"
    }

    static func list(_ stores: [StoreDetail]) -> String {
        let header = ["NAME", "PLATFORM", "HASH", "STATE", "IMPORT STATUS", "READY", "HELD"]
        let rows = stores.map { store in
            [store.name, store.platform, store.storeHash, store.state, status(store.importStatus),
             "\(store.ordersByState["ready"] ?? 0)", "\(store.ordersByState["held"] ?? 0)"]
        }
        return columns([header] + rows)
    }

    static func detail(_ store: StoreDetail) -> String {
        var lines = [
            "Store:          \(store.name)",
            "Platform:       \(store.platform)",
            "Store hash:     \(store.storeHash)",
            "State:          \(store.state)" + (advice(store).map { " (\($0))" } ?? ""),
            "Import status:  \(status(store.importStatus))",
            "Claim status:   \(claimStatus(store))",
            "Poll interval:  \(store.pollIntervalSeconds.map(DurationText.format) ?? "default")",
            "Token held:     \(store.hasCredential ? "yes" : "no")",
            "Added:          \(AuthorizationText.time(store.createdAt))",
            "Changed:        \(AuthorizationText.time(store.updatedAt))",
            "",
        ]
        lines.append(StatusTable.table(title: "ORDERS", counts: store.ordersByState, order: ["ready", "held", "claimed", "shipped", "cancelled"]))
        if let sync = store.sync {
            lines.append("")
            lines.append("SYNC")
            lines.append("  Polling:          " + (sync.syncing ? (sync.passRunning ? "yes (a pass is running)" : "yes") : "no"))
            if let pass = sync.lastPass {
                let duration = pass.durationMilliseconds.map { String(format: "%.1fs", Double($0) / 1000) } ?? "-"
                lines.append("  Last pass:        \(AuthorizationText.time(pass.startedAt)), \(pass.kind), \(pass.outcome) in \(duration)")
                lines.append("  Orders:           seen \(pass.ordersSeen), new \(pass.ordersNew), updated \(pass.ordersUpdated), cancelled \(pass.ordersCancelled)")
                lines.append("  Requests used:    \(pass.requestsUsed), quota left \(pass.quotaLeft.map(String.init) ?? "unknown")")
            } else {
                lines.append("  Last pass:        none yet")
            }
            lines.append("  Next pass:        " + (sync.nextPassAt.map(AuthorizationText.time) ?? "-"))
            lines.append("  Watermark:        " + (sync.watermark.map(AuthorizationText.time) ?? "none (next pass is a full backfill)"))
            if sync.consecutiveFailures > 0 { lines.append("  Failures in a row: \(sync.consecutiveFailures)") }
            if let error = sync.lastError { lines.append("  Last error:       \(error)") }
        }
        if let history = store.history, !history.isEmpty {
            lines.append("")
            lines.append("HISTORY")
            lines.append(TextTable.render(["AT", "EVENT", "BY", "DETAIL"], history.map { entry in
                [AuthorizationText.time(entry.at), entry.kind, entry.actor,
                 (entry.facts ?? entry.detail).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")]
            }, indent: 2))
        }
        return lines.joined(separator: "\n")
    }

    static func advice(_ store: StoreDetail) -> String? {
        switch store.state {
        case "awaiting_authorization", "needs_reauthorization", "disconnected":
            return "run 'dropstreamctl store authorize \(shellQuoted(store.name))'"
        case "paused":
            return "run 'dropstreamctl store resume \(shellQuoted(store.name))'"
        default:
            return nil
        }
    }

    static func statuses(_ list: OrderStatusListResponse) -> String {
        let header = ["", "ID", "NAME", "CUSTOM LABEL"]
        let rows = list.statuses.map { status in
            [status.id == list.importStatusId ? "*" : "", "\(status.id)", status.name, status.customLabel ?? ""]
        }
        return columns([header] + rows) + "\n\n* = the Order Import Status of store '\(list.store)'"
    }

    /// Left-aligned columns two spaces apart.
    static func columns(_ rows: [[String]]) -> String {
        let count = rows.map(\.count).max() ?? 0
        let widths = (0..<count).map { index in rows.map { index < $0.count ? $0[index].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    /// Quotes a name for a command line the operator may copy.
    static func shellQuoted(_ text: String) -> String {
        text.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) } ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Durations as operators type them: `30s`, `5m`, `1h`, `1h30m`, or bare seconds.
enum DurationText {
    static func seconds(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let plain = Int(trimmed) { return plain >= 0 ? plain : nil }
        var total = 0
        var number = ""
        for character in trimmed {
            if character.isNumber {
                number.append(character)
                continue
            }
            guard let value = Int(number) else { return nil }
            switch character {
            case "s": total += value
            case "m": total += value * 60
            case "h": total += value * 3600
            case "d": total += value * 86400
            default: return nil
            }
            number = ""
        }
        return number.isEmpty && !trimmed.isEmpty ? total : nil
    }

    static func format(_ seconds: Int) -> String {
        if seconds % 3600 == 0 && seconds > 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 && seconds > 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}

/// The controlling terminal, for confirmations and the wizard.
enum Terminal {
    /// True when stdin is a terminal, so there is someone to ask.
    static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 }

    /// Prints `prompt` and reads one line; nil at end of input.
    static func ask(_ prompt: String) -> String? {
        print(prompt, terminator: "")
        fflush(nil)
        return readLine()?.trimmingCharacters(in: .whitespaces)
    }
}
