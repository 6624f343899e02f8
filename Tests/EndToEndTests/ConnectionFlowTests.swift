import BigCommerceSandbox
import DropStreamControl
import DropStreamCore
import DropStreamSQLite
import DropStreamStorage
import DropStreamHarness
import Foundation
import Testing

extension ConnectionTests {
/// Issue 4's whole connection flow with the built binaries and the sandbox: add, authorize in a
/// "browser", import status by custom label, a revoked token, re-authorization, uninstall.
@Suite struct ConnectionFlowTests {
    @Test func addAuthorizeSetStatusReauthorizeUninstall() async throws {
        let h = try await ConnectionHarness.start()
        defer { Task { try? await h.stop() } }
        try await h.createStore("flow1", labels: [9: "Pack me", 11: "Ready to ship"])

        // Store Setup: a pasted API path works; the store waits for authorization.
        let added = try await h.ctlJSON(["store", "add", "Acme Shop", "--platform", "bigcommerce", "--api-path", "https://api.bigcommerce.com/stores/flow1/v3/"], as: StoreDetail.self)
        #expect(added.storeHash == "flow1")
        #expect(added.state == "awaiting_authorization")
        #expect(added.importStatus.id == 11)
        #expect(!added.hasCredential)

        // Authorize with --wait while the owner clicks through the install pages.
        let client = ControlClient(socketPath: h.daemon.socketPath)
        async let waiting = h.ctl(["store", "authorize", "Acme Shop", "--wait", "--timeout", "60s"])
        try await eventually("the authorization window") {
            (try? await client.get(ControlAPI.Path.authorization("Acme Shop"), as: AuthorizationProgressResponse.self))?.phase == .waiting
        }
        let (redirect, page) = try await h.authorizeInBrowser(authorizeURL: h.sandbox.installURL, store: "flow1")
        #expect(redirect.hasPrefix(h.callbackBase + "/bigcommerce/auth?"))
        #expect(page.status == 200, "\(page.text)")
        #expect(page.text.contains("Connected"))
        let waited = try await waiting
        #expect(waited.status == 0, "\(waited.stderr)")
        #expect(waited.stdout.contains(h.sandbox.installURL))
        #expect(waited.stdout.contains(h.callbackBase + "/bigcommerce/auth"))
        #expect(waited.stdout.contains("connected and active"))

        var store = try await h.store("acme shop")
        #expect(store.state == "active")
        #expect(store.hasCredential)

        // Live statuses with custom labels; the import status chosen by its label.
        let statuses = try await h.ctlJSON(["store", "statuses", "Acme Shop"], as: OrderStatusListResponse.self)
        #expect(statuses.statuses.count == 15)
        #expect(statuses.statuses.first { $0.id == 9 }?.customLabel == "Pack me")
        let human = try await h.ctl(["store", "statuses", "Acme Shop"])
        #expect(human.status == 0 && human.stdout.contains("Pack me") && human.stdout.contains("* = the Order Import Status"))
        store = try await h.ctlJSON(["store", "set", "Acme Shop", "--import-status", "pack me", "--poll-interval", "5m"], as: StoreDetail.self)
        #expect(store.importStatus.id == 9)
        #expect(store.pollIntervalSeconds == 300)

        // The store revokes our token: a live call gets 401 and the store needs re-authorization.
        for token in await h.sandbox.state.tokens(store: "flow1") { try await h.sandbox.state.revokeToken(token.token) }
        let refused = try await h.ctl(["store", "statuses", "Acme Shop"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("401") && refused.stderr.contains("store authorize"), "\(refused.stderr)")
        #expect(try await h.store("Acme Shop").state == "needs_reauthorization")
        let resume = try await h.ctl(["store", "resume", "Acme Shop"])
        #expect(resume.status == 1 && resume.stderr.contains("store authorize"))

        // store authorize repairs it.
        let again = try await h.startAuthorization("Acme Shop")
        let repaired = try await h.authorizeInBrowser(authorizeURL: again.authorizeURL, store: "flow1")
        #expect(repaired.callback.status == 200, "\(repaired.callback.text)")
        #expect(try await h.store("Acme Shop").state == "active")
        #expect(try await h.ctlJSON(["store", "statuses", "Acme Shop"], as: OrderStatusListResponse.self).importStatusId == 9)

        // Pause and resume.
        #expect(try await h.ctlJSON(["store", "pause", "Acme Shop"], as: StoreDetail.self).state == "paused")
        #expect(try await h.ctlJSON(["store", "resume", "Acme Shop"], as: StoreDetail.self).state == "active")

        // The owner uninstalls the app: the signed uninstall callback disconnects the store.
        let uninstall = try await h.sandbox.state.uninstall(store: "flow1")
        #expect(uninstall.callbackStatus == 200, "\(uninstall)")
        store = try await h.store("Acme Shop")
        #expect(store.state == "disconnected")
        #expect(!store.hasCredential)
        #expect(store.importStatus.id == 9, "settings are kept")
        #expect(h.log.contains("uninstalled the app"))
        // The store's history records the whole life, with who did what.
        let history = (store.history ?? []).map { "\($0.kind)/\($0.actor)" }
        for expected in ["added/operator:\(getuid())", "authorization_started/operator:\(getuid())", "authorized/store", "import_status_changed/operator:\(getuid())",
                         "needs_reauthorization/operator:\(getuid())", "uninstalled/store"] {
            #expect(history.contains(expected), "history lacks \(expected): \(history)")
        }
        #expect(history.last == "uninstalled/store")

        // The table view lists it with its state.
        let list = try await h.ctl(["store", "list"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("Acme Shop") && list.stdout.contains("disconnected"))
        let show = try await h.ctl(["store", "show", "Acme Shop"])
        #expect(show.stdout.contains("store authorize 'Acme Shop'"))
        #expect(show.stdout.contains("HISTORY") && show.stdout.contains("uninstalled"))
        try await h.stop()
    }

    /// Uninstall disconnects but keeps the store's orders and their history.
    @Test func uninstallKeepsOrdersAndHistory() async throws {
        let h = try await ConnectionHarness.start(seed: { database in
            let store = try await database.addStore(name: "kept", platform: .bigcommerce, storeHash: "kept1")
            let payload = OrderPayload(
                lines: [OrderLine(lineID: "L1", sku: "SKU-1", name: "Widget", quantity: 1)],
                shippingAddress: ShippingAddress(
                    addressID: "A1", firstName: "Ada", lastName: "Lovelace", street1: "1 Main St", city: "Austin",
                    state: "Texas", zip: "78701", country: "United States", countryISO2: "US"),
                shippingMethod: "Free Shipping", customerMessage: nil)
            _ = try await database.upsertImportedOrder(storeId: store.id, ImportedOrder(externalOrderID: "100", storeStatusID: 11, dateModified: Date(), payload: payload, holdReason: nil))
        })
        defer { Task { try? await h.stop() } }
        try await h.createStore("kept1")
        #expect(try await h.store("kept").ordersByState["ready"] == 1)
        let start = try await h.startAuthorization("kept")
        #expect(try await h.authorizeInBrowser(authorizeURL: start.authorizeURL, store: "kept1").callback.status == 200)

        #expect(try await h.sandbox.state.uninstall(store: "kept1").callbackStatus == 200)
        let store = try await h.store("kept")
        #expect(store.state == "disconnected" && !store.hasCredential)
        #expect(store.ordersByState["ready"] == 1, "orders are kept")
        // And it can be connected again.
        let again = try await h.startAuthorization("kept")
        #expect(try await h.authorizeInBrowser(authorizeURL: again.authorizeURL, store: "kept1").callback.status == 200)
        #expect(try await h.store("kept").state == "active")
        try await h.stop()
    }
}
}
