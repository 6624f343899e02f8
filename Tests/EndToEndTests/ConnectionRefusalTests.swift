import BigCommerceSandbox
import DropStreamControl
import DropStreamHarness
import Foundation
import Testing

extension ConnectionTests {
/// Everything issue 4 says must be refused: each gets a clear message and writes nothing.
@Suite struct ConnectionRefusalTests {
    /// A code for a store the daemon awaits, sent with another store's context: refused before
    /// any exchange, so the genuine callback still works afterwards.
    @Test func forgedContextIsRefused() async throws {
        let h = try await ConnectionHarness.start()
        defer { Task { try? await h.stop() } }
        try await h.createStore("real1")
        try await h.createStore("other1")
        _ = try await h.ctlJSON(["store", "add", "real", "--store-hash", "real1"], as: StoreDetail.self)
        let start = try await h.startAuthorization("real")
        let location = try await h.confirmInstall(authorizeURL: start.authorizeURL, store: "real1")

        let forged = location.replacingOccurrences(of: "stores%2Freal1", with: "stores%2Fother1")
        #expect(forged != location)
        let page = try await h.fetch(forged)
        #expect(page.status == 403)
        #expect(page.text.contains("No store with hash other1 is awaiting authorization"))
        let garbage = try await h.fetch(h.callbackBase + "/bigcommerce/auth?code=x&scope=s&context=not-a-context")
        #expect(garbage.status == 400)
        let missing = try await h.fetch(h.callbackBase + "/bigcommerce/auth?context=stores%2Freal1")
        #expect(missing.status == 400 && missing.text.contains("missing"))
        #expect(try await h.store("real").state == "awaiting_authorization")
        #expect(try await !h.store("real").hasCredential)
        #expect(await h.sandbox.state.tokens(store: "other1").isEmpty)
        #expect(h.log.contains("auth callback refused"))

        // The genuine redirect still completes: the forged one consumed nothing.
        #expect(try await h.fetch(location).status == 200)
        #expect(try await h.store("real").state == "active")
        try await h.stop()
    }

    /// A used code, replayed once the store awaits authorization again, fails the exchange.
    @Test func replayedCodeIsRefused() async throws {
        let h = try await ConnectionHarness.start()
        defer { Task { try? await h.stop() } }
        try await h.createStore("replay1")
        _ = try await h.ctlJSON(["store", "add", "replay", "--store-hash", "replay1"], as: StoreDetail.self)
        let start = try await h.startAuthorization("replay")
        let (location, first) = try await h.authorizeInBrowser(authorizeURL: start.authorizeURL, store: "replay1")
        #expect(first.status == 200)

        // Replayed while active: refused by state.
        let whileActive = try await h.fetch(location)
        #expect(whileActive.status == 409 && whileActive.text.contains("not awaiting authorization"))

        // Disconnect, open a new window, replay the old code: the token endpoint refuses it.
        #expect(try await h.ctl(["store", "remove", "replay", "--yes"]).status == 0)
        _ = try await h.startAuthorization("replay")
        let replayed = try await h.fetch(location)
        #expect(replayed.status == 502, "\(replayed.text)")
        #expect(replayed.text.contains("did not accept the authorization code"))
        let store = try await h.store("replay")
        #expect(store.state == "awaiting_authorization" && !store.hasCredential)
        let progress = try await h.ctl(["store", "authorize", "replay", "--wait", "--timeout", "1s"])
        // A new window opened by this call replaces the failed one; it times out with a message.
        #expect(progress.status == 1 && progress.stderr.contains("timed out"))
        try await h.stop()
    }

    /// A forged callback while `store authorize --wait` runs is reported, but does not end the
    /// wait: the store owner's genuine confirmation afterwards still connects the store and
    /// the command exits 0.
    @Test func forgedCallbackDoesNotEndTheWait() async throws {
        let h = try await ConnectionHarness.start()
        defer { Task { try? await h.stop() } }
        try await h.createStore("patient1")
        _ = try await h.ctlJSON(["store", "add", "patient", "--store-hash", "patient1"], as: StoreDetail.self)
        async let waited = h.ctl(["store", "authorize", "patient", "--wait", "--timeout", "90s"])

        let client = ControlClient(socketPath: h.daemon.socketPath)
        try await eventually("the ctl to open the window") {
            try await client.get(ControlAPI.Path.authorization("patient"), as: AuthorizationProgressResponse.self).phase == .waiting
        }
        let forged = try await h.fetch(h.callbackBase + "/bigcommerce/auth?code=forged-code&scope=store_v2_orders&context=stores%2Fpatient1")
        #expect(forged.status == 502, "\(forged.text)")
        #expect(try await client.get(ControlAPI.Path.authorization("patient"), as: AuthorizationProgressResponse.self).phase == .failed)
        // Not an assertion: time for the ctl's 200 ms poll to see the refusal (checked below).
        try await Task.sleep(for: .seconds(3))

        #expect(try await h.authorizeInBrowser(authorizeURL: h.sandbox.installURL, store: "patient1").callback.status == 200)
        let result = try await waited
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("Refused:"), "the wait never saw the refusal: \(result.stdout)")
        #expect(result.stdout.contains("is connected and active"))
        #expect(try await h.store("patient").state == "active")
        try await h.stop()
    }

    /// A code older than its lifetime on the sandbox clock is refused by the token endpoint.
    @Test func expiredCodeIsRefused() async throws {
        let h = try await ConnectionHarness.start()
        defer { Task { try? await h.stop() } }
        try await h.createStore("late1")
        _ = try await h.ctlJSON(["store", "add", "late", "--store-hash", "late1"], as: StoreDetail.self)
        let start = try await h.startAuthorization("late")
        let location = try await h.confirmInstall(authorizeURL: start.authorizeURL, store: "late1")
        await h.sandbox.state.advanceClock(seconds: 600)
        let page = try await h.fetch(location)
        #expect(page.status == 502)
        #expect(page.text.contains("did not accept the authorization code"))
        let store = try await h.store("late")
        #expect(store.state == "awaiting_authorization" && !store.hasCredential)
        // The window shows the failure to a waiting operator.
        let progress = try await ControlClient(socketPath: h.daemon.socketPath).get(ControlAPI.Path.authorization("late"), as: AuthorizationProgressResponse.self)
        #expect(progress.phase == .failed)
        #expect(progress.detail.contains("did not accept"))
        try await h.stop()
    }

    /// Removed (purged) and disconnected stores accept no callback.
    @Test func callbackForARemovedStoreIsRefused() async throws {
        let h = try await ConnectionHarness.start()
        defer { Task { try? await h.stop() } }
        try await h.createStore("gone1")
        _ = try await h.ctlJSON(["store", "add", "gone", "--store-hash", "gone1"], as: StoreDetail.self)
        let start = try await h.startAuthorization("gone")
        let location = try await h.confirmInstall(authorizeURL: start.authorizeURL, store: "gone1")

        let removed = try await h.ctlJSON(["store", "remove", "gone", "--purge", "--yes"], as: RemoveStoreResponse.self)
        #expect(removed.purged)
        let page = try await h.fetch(location)
        #expect(page.status == 403)
        #expect(page.text.contains("No store with hash gone1"))
        #expect(try await h.ctlJSON(["store", "list"], as: StoreListResponse.self).stores.isEmpty)

        // Disconnected (not purged): the callback names a store that is not awaiting.
        _ = try await h.ctlJSON(["store", "add", "gone", "--store-hash", "gone1"], as: StoreDetail.self)
        _ = try await h.startAuthorization("gone")
        let second = try await h.confirmInstall(authorizeURL: start.authorizeURL, store: "gone1")
        #expect(try await h.ctl(["store", "remove", "gone", "--yes"]).status == 0)
        let refused = try await h.fetch(second)
        #expect(refused.status == 409)
        let store = try await h.store("gone")
        #expect(store.state == "disconnected" && !store.hasCredential)
        try await h.stop()
    }

    /// Outside the authorization window, and with no window at all.
    @Test func callbackOutsideTheWindowIsRefused() async throws {
        let h = try await ConnectionHarness.start(authorizationWindow: "1s")
        defer { Task { try? await h.stop() } }
        try await h.createStore("slow1")
        _ = try await h.ctlJSON(["store", "add", "slow", "--store-hash", "slow1"], as: StoreDetail.self)

        // Never authorized: no window.
        let location = try await h.confirmInstall(authorizeURL: h.sandbox.installURL, store: "slow1")
        let early = try await h.fetch(location)
        #expect(early.status == 403 && early.text.contains("No authorization is in progress"))

        // A window that has closed.
        let start = try await h.startAuthorization("slow")
        let late = try await h.confirmInstall(authorizeURL: start.authorizeURL, store: "slow1")
        let client = ControlClient(socketPath: h.daemon.socketPath)
        try await eventually("the window to close") {
            try await client.get(ControlAPI.Path.authorization("slow"), as: AuthorizationProgressResponse.self).phase == .expired
        }
        let page = try await h.fetch(late)
        #expect(page.status == 403)
        #expect(page.text.contains("closed") || page.text.contains("No authorization is in progress"))
        let store = try await h.store("slow")
        #expect(store.state == "awaiting_authorization" && !store.hasCredential)
        // --wait on an expired window says so and exits 1.
        let waited = try await h.ctl(["store", "authorize", "slow", "--wait"])
        #expect(waited.status == 1)
        #expect(waited.stderr.contains("did not complete") || waited.stderr.contains("timed out"), "\(waited.stderr)")
        try await h.stop()
    }

    /// Uninstall and load callbacks need a JWT signed with our client secret.
    @Test func badJWTIsRefused() async throws {
        let h = try await ConnectionHarness.start()
        defer { Task { try? await h.stop() } }
        try await h.createStore("jwt1")
        _ = try await h.ctlJSON(["store", "add", "jwt", "--store-hash", "jwt1"], as: StoreDetail.self)
        let start = try await h.startAuthorization("jwt")
        #expect(try await h.authorizeInBrowser(authorizeURL: start.authorizeURL, store: "jwt1").callback.status == 200)

        // Another app (another secret) signs a perfectly formed payload for this store.
        let impostor = try await RunningSandbox.start(configuration: SandboxConfiguration(
            clientID: ConnectionHarness.clientID, clientSecret: "someone-elses-secret",
            authCallbackURL: h.callbackBase + "/bigcommerce/auth", loadCallbackURL: h.callbackBase + "/bigcommerce/load"))
        defer { Task { try? await impostor.stop() } }
        _ = try await impostor.state.createStore(hash: "jwt1")
        let signed = try await impostor.state.loadCallbackURL(store: "jwt1")
        let jwt = try #require(URLComponents(string: signed)?.queryItems?.first { $0.name == "signed_payload_jwt" }?.value)
        let encoded = jwt.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        for query in ["signed_payload_jwt=\(encoded)", "signed_payload_jwt=not.a.jwt", ""] {
            let page = try await h.fetch(h.callbackBase + "/bigcommerce/uninstall?" + query)
            #expect(page.status == 401, "uninstall ?\(query): \(page.status)")
            let load = try await h.fetch(h.callbackBase + "/bigcommerce/load?" + query)
            #expect(load.status == 401)
        }
        let store = try await h.store("jwt")
        #expect(store.state == "active" && store.hasCredential)
        #expect(h.log.contains("uninstall callback refused"))

        // Our own sandbox's signed load callback is accepted.
        let genuine = try await h.sandbox.state.loadCallbackURL(store: "jwt1")
        let load = try await h.fetch(genuine)
        #expect(load.status == 200 && load.text.contains("jwt"))
        try await impostor.stop()
        try await h.stop()
    }

    /// Bad input at the ctl: unknown import status, malformed hash or path, duplicates.
    @Test func badStoreInputIsRefused() async throws {
        let h = try await ConnectionHarness.start()
        defer { Task { try? await h.stop() } }
        try await h.createStore("dup1", labels: [11: "Ready to ship"])

        let unknown = try await h.ctl(["store", "add", "x", "--store-hash", "dup1", "--import-status", "Teleported"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("'Teleported' is not an order status") && unknown.stderr.contains("11 Awaiting Fulfillment"), "\(unknown.stderr)")

        for (flag, value) in [("--store-hash", "bad hash!"), ("--store-hash", ""), ("--api-path", "https://example.com/nothing/here"), ("--api-path", "https://api.bigcommerce.com/v3/orders")] {
            let result = try await h.ctl(["store", "add", "x", flag, value])
            #expect(result.status == 1, "\(flag) \(value)")
            #expect(!result.stderr.isEmpty && result.stdout.isEmpty)
        }
        let usage = try await h.ctl(["store", "add", "x"])
        #expect(usage.status == 64 && usage.stderr.contains("--store-hash"))
        #expect(try await h.ctlJSON(["store", "list"], as: StoreListResponse.self).stores.isEmpty)

        _ = try await h.ctlJSON(["store", "add", "first", "--store-hash", "dup1"], as: StoreDetail.self)
        let sameName = try await h.ctl(["store", "add", "FIRST", "--store-hash", "dup2"])
        #expect(sameName.status == 1 && sameName.stderr.lowercased().contains("first"), "\(sameName.stderr)")
        let sameHash = try await h.ctl(["store", "add", "second", "--api-path", "api.bigcommerce.com/stores/dup1/v2"])
        #expect(sameHash.status == 1 && sameHash.stderr.contains("dup1"), "\(sameHash.stderr)")
        #expect(try await h.ctlJSON(["store", "list"], as: StoreListResponse.self).stores.map(\.name) == ["first"])

        // A custom label is validated live once authorized; an unknown one lists the store's labels.
        let start = try await h.startAuthorization("first")
        #expect(try await h.authorizeInBrowser(authorizeURL: start.authorizeURL, store: "dup1").callback.status == 200)
        let badLabel = try await h.ctl(["store", "set", "first", "--import-status", "Ready to teleport"])
        #expect(badLabel.status == 1 && badLabel.stderr.contains("Ready to ship"), "\(badLabel.stderr)")
        #expect(try await h.ctlJSON(["store", "set", "first", "--import-status", "ready to ship"], as: StoreDetail.self).importStatus.id == 11)
        #expect(try await h.ctl(["store", "set", "first", "--poll-interval", "soon"]).status == 64)

        // Removing needs --yes without a terminal; nothing happens.
        let noYes = try await h.ctl(["store", "remove", "first"])
        #expect(noYes.status == 64 && noYes.stderr.contains("--yes"))
        #expect(try await h.store("first").state == "active")

        // The wizard explains what to use instead without a terminal.
        let connect = try await h.ctl(["connect"])
        #expect(connect.status == 64)
        #expect(connect.stderr.contains("store add") && connect.stderr.contains("store authorize") && connect.stderr.contains("--import-status"))
        #expect(try await h.ctl(["store", "show", "nope"]).stderr.contains("no store named 'nope'"))
        try await h.stop()
    }
}
}
