import ArgumentParser
import DropStreamControl
import Foundation

/// `dropstreamctl connect`: the product article's Add Connection wizard on a terminal.
struct ConnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Connect a store step by step (interactive wizard).",
        discussion: """
            Follows the Add Connection steps:
              1. Store Setup: the store's name, platform and store hash (or paste the API \
            path, e.g. https://api.bigcommerce.com/stores/abcde/v3/).
              2. Authorize: prints the URL the store owner opens; waits, showing progress, \
            until they have confirmed the app in BigCommerce.
              3. Import Settings: lists the store's own order statuses with their custom \
            labels and asks which one to import (default: Awaiting Fulfillment, 11); answer \
            with the id, the name or the label.
            Then it says what to do next.

            It needs a terminal. Scripts use the same steps as commands:
              dropstreamctl store add NAME --platform bigcommerce --store-hash HASH
              dropstreamctl store authorize NAME --wait
              dropstreamctl store set NAME --import-status STATUS
            Without a terminal, connect prints these and exits 64.
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        guard Terminal.isInteractive else {
            throw refuse("""
                connect is interactive and needs a terminal (stdin is not one). Use these commands instead:
                  dropstreamctl store add NAME --platform bigcommerce --store-hash HASH   (or --api-path URL)
                  dropstreamctl store authorize NAME --wait                              (prints the URL for the store owner)
                  dropstreamctl store statuses NAME                                      (the store's statuses and labels)
                  dropstreamctl store set NAME --import-status STATUS                    (default: 11 Awaiting Fulfillment)
                """, code: 64)
        }
        if global.json {
            throw refuse("connect is interactive and has no --json output; use the 'store' commands with --json in scripts.", code: 64)
        }
        let client = global.client

        // Step 1: Store Setup. Any refusal (bad hash, name taken) asks again.
        print("Add connection\n\nStep 1 of 3: Store Setup")
        var store: StoreDetail
        while true {
            let name = try ask("  Store name: ")
            var platform = try ask("  Platform [bigcommerce]: ")
            if platform.isEmpty { platform = "bigcommerce" }
            let hash = try ask("  Store hash or API path: ")
            do {
                store = try await client.send(.POST, ControlAPI.Path.stores, body: AddStoreRequest(name: name, platform: platform, storeHash: hash), as: StoreDetail.self)
                break
            } catch {
                if case .daemon(let status, let body) = error, (400..<500).contains(status) {
                    print("  \(body.message)\n  Please try again.")
                    continue
                }
                throw CtlFailure.exit(for: error)
            }
        }
        print("  Added '\(store.name)' (hash \(store.storeHash)).\n")

        // Step 2: Authorize.
        print("Step 2 of 3: Authorize")
        let start = try await callDaemon { () async throws(ControlClientError) in
            try await client.send(.POST, ControlAPI.Path.authorization(store.name), as: AuthorizationStartResponse.self)
        }
        print(AuthorizationText.instructions(start).split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n"))
        print("")
        // A refused callback (say, the owner picked another store) keeps the window open, so
        // the wizard keeps waiting and shows why instead of giving up.
        let progress = try await AuthorizationWaiter.wait(
            client: client, store: store.name, until: start.expiresAt.addingTimeInterval(2), echo: true)
        guard progress.phase == .completed else {
            throw refuse("authorization did not complete: \(progress.detail). The store is saved; finish later with 'dropstreamctl store authorize \(StoreTable.shellQuoted(store.name)) --wait'.")
        }
        print("  Connected.\n")

        // Step 3: Import Settings, from the store's live statuses.
        print("Step 3 of 3: Import Settings")
        let statuses = try await callDaemon { () async throws(ControlClientError) in
            try await client.get(ControlAPI.Path.orderStatuses(store.name), as: OrderStatusListResponse.self)
        }
        print("  Which orders should be imported? The store's statuses:")
        for status in statuses.statuses {
            print("    \(String(status.id).leftPadded(to: 2))  \(status.name)" + (status.customLabel.map { "  (\"\($0)\")" } ?? ""))
        }
        let current = statuses.statuses.first { $0.id == statuses.importStatusId }.map(StoreTable.status) ?? "\(statuses.importStatusId)"
        while true {
            let answer = try ask("  Order Import Status [\(current)]: ")
            if answer.isEmpty { break }
            do {
                store = try await client.send(.PATCH, ControlAPI.Path.store(store.name), body: UpdateStoreRequest(importStatus: answer), as: StoreDetail.self)
                break
            } catch {
                if case .daemon(let status, let body) = error, (400..<500).contains(status) {
                    print("  \(body.message)")
                    continue
                }
                throw CtlFailure.exit(for: error)
            }
        }
        let detail = try await callDaemon { () async throws(ControlClientError) in
            try await client.get(ControlAPI.Path.store(store.name), as: StoreDetail.self)
        }
        let quoted = StoreTable.shellQuoted(detail.name)
        print("""

            Done: store '\(detail.name)' is \(detail.state) and imports orders in \(StoreTable.status(detail.importStatus)).
            Claim status: \(StoreTable.claimStatus(detail)).

            What next:
              - Configure SKUs: map the store's SKUs to your warehouse SKUs, kits and ignored items
                before orders are released to the warehouse.
              - Review orders as they arrive: 'dropstreamctl store show \(quoted)' shows the counts
                by queue state; 'dropstreamctl status' shows the whole daemon.
              - Change the import status, claim status or poll interval later with
                'dropstreamctl store set \(quoted)' ('--claim-status off' leaves the store's status alone).
            """)
    }

    /// Reads one answer; end of input ends the wizard (nothing half-typed is sent).
    private func ask(_ prompt: String) throws -> String {
        guard let answer = Terminal.ask(prompt) else {
            print("")
            throw refuse("input ended; the wizard stopped. Steps already done are kept ('dropstreamctl store list').")
        }
        return answer
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
