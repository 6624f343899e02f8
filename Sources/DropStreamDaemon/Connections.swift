import BigCommerceAPI
import DropStreamControl
import DropStreamCore
import DropStreamStorage
import Foundation
import Logging

/// The connection side of the product (DESIGN §2 flows 1–3 and 8): adding stores, the OAuth
/// authorization window and callback, the Order Import Status, pause/resume/remove, and the
/// load/uninstall callbacks. One actor, so an authorization window and the callback that
/// closes it can never race each other.
actor Connections {
    /// The operator's BigCommerce app, when configured.
    struct App: Sendable {
        var oauth: BigCommerceOAuthClient
        var verifier: SignedPayloadVerifier
        var authCallbackURL: String
    }

    /// An authorization the operator started with `store authorize`.
    private struct Window {
        var expiresAt: Date
        var phase: AuthorizationProgressResponse.Phase
        var detail: String
    }

    private let database: any StorageEngine
    private let vault: TokenVault
    private let app: App?
    private let httpClient: HTTPClientHandle
    private let clientConfiguration: BigCommerceClientConfiguration
    private let windowLength: Duration
    /// The claim status a new store gets (`queue.claim_status`); nil = off.
    private let defaultClaimStatusID: Int?
    private let logger: Logger
    private let now: @Sendable () -> Date
    private var windows: [Int64: Window] = [:]
    /// Told whenever a store starts or stops being polled, so the scheduler reacts at once
    /// instead of at its next periodic look at the store list.
    private var storesChanged: @Sendable () async -> Void = {}
    /// One pacer per store hash, so every client of a store shares its quota view.
    private var pacers: [StoreHash: RateLimitPacer] = [:]
    /// Each store's custom status labels ("Ready to pack" for 11), as last read from its
    /// `/v2/order_statuses`, and when; see ``statusLabels(storeIds:refresh:)``.
    private var labelCache: [Int64: (labels: [Int: String], readAt: Date)] = [:]
    /// When reading a store's labels last failed, so a store that cannot be asked is not asked
    /// again on every `orders list`.
    private var labelFailures: [Int64: Date] = [:]
    /// How long read labels are trusted. Merchants rename statuses rarely; a stale label for a
    /// few minutes costs nothing, a request per ctl call would cost quota.
    static let labelLifetime: TimeInterval = 600
    /// How long after a failed read the store is not asked again.
    static let labelRetryDelay: TimeInterval = 60

    init(
        database: any StorageEngine, vault: TokenVault, app: App?, httpClient: HTTPClientHandle,
        clientConfiguration: BigCommerceClientConfiguration, authorizationWindow: Duration,
        defaultClaimStatusID: Int? = nil, logger: Logger,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.defaultClaimStatusID = defaultClaimStatusID
        self.database = database
        self.vault = vault
        self.app = app
        self.httpClient = httpClient
        self.clientConfiguration = clientConfiguration
        self.windowLength = authorizationWindow
        self.logger = logger
        self.now = now
    }

    /// Sets who hears about store changes (the sync scheduler, created after this actor).
    func onStoresChanged(_ handler: @escaping @Sendable () async -> Void) {
        storesChanged = handler
    }

    // MARK: Store Setup

    func add(_ request: AddStoreRequest, actor: String) async throws -> StoreDetail {
        let name = request.name.trimmingCharacters(in: .whitespaces)
        guard (1...64).contains(name.count), name.allSatisfy({ !$0.isNewline && $0 != "/" && ($0.isLetter || $0.isNumber || $0.isPunctuation || $0.isSymbol || $0 == " ") }) else {
            throw ControlAPIError.invalid("a store name is 1 to 64 printable characters without '/' (got '\(request.name)')")
        }
        guard let platform = Platform(rawValue: request.platform.lowercased()) else {
            throw ControlAPIError.invalid("unknown platform '\(request.platform)'; supported: \(Platform.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let hash: StoreHash
        do {
            hash = try StoreHash(parsing: request.storeHash)
        } catch {
            throw ControlAPIError.invalid(error.description)
        }
        var statusID = defaultImportStatusID
        if let wanted = request.importStatus {
            do {
                statusID = try ImportStatusResolver.resolve(wanted, in: ImportStatusResolver.systemStatuses).id
            } catch {
                throw ControlAPIError.invalid("\(error.description). A custom label can be set with 'store set' once the store is authorized.")
            }
        }
        // The configured claim status, unless it is the import status itself (then off).
        let claimStatusID = defaultClaimStatusID == statusID ? nil : defaultClaimStatusID
        let store = try await mapped {
            try await database.addStore(name: name, platform: platform, storeHash: hash.rawValue, importStatusID: statusID,
                                        claimStatusID: claimStatusID, actor: actor)
        }
        logger.notice("store added, awaiting authorization", metadata: ["store": .string(store.name), "store_hash": .string(store.storeHash), "actor": .string(actor)])
        return try await detail(store)
    }

    func list() async throws -> [StoreDetail] {
        let summary = try await database.statusSummary()
        var details: [StoreDetail] = []
        for store in try await database.stores() {
            details.append(try await detail(store, orders: summary.perStore.first { $0.storeId == store.id }?.orders))
        }
        return details
    }

    func show(_ name: String) async throws -> StoreDetail {
        let store = try await store(named: name)
        var shown = try await detail(store)
        shown.history = try await database.storeEvents(storeId: store.id).map {
            StoreHistoryEntry(
                at: $0.at, kind: $0.kind, actor: $0.actor, detail: $0.detail ?? [:],
                facts: ControlAPI.snakeCaseKeys($0.detail ?? [:]))
        }
        return shown
    }

    func update(_ name: String, _ request: UpdateStoreRequest, actor: String) async throws -> StoreDetail {
        var store = try await store(named: name)
        // Everything is validated before anything is written.
        if let seconds = request.pollIntervalSeconds, seconds < 0 {
            throw ControlAPIError.invalid("the poll interval must be positive, or 0 for the default")
        }
        let turnsClaimOff = request.claimStatus.map { ClaimStatusPolicy.offWords.contains($0.trimmingCharacters(in: .whitespaces).lowercased()) } ?? false
        let needsStatuses = request.importStatus != nil || (request.claimStatus != nil && !turnsClaimOff)
        let statuses = needsStatuses ? try await liveStatuses(for: store, fallBackToSystem: true, actor: actor) : []
        var importStatus: OrderStatusInfo?
        if let wanted = request.importStatus {
            do {
                importStatus = try ImportStatusResolver.resolve(wanted, in: statuses)
            } catch {
                throw ControlAPIError.invalid(error.description)
            }
        }
        // .some(nil) = turn the flip off.
        var claimStatus: OrderStatusInfo??
        if let wanted = request.claimStatus {
            if turnsClaimOff {
                claimStatus = .some(nil)
            } else {
                let status: OrderStatusInfo
                do {
                    status = try ImportStatusResolver.resolve(wanted, in: statuses)
                } catch {
                    throw ControlAPIError.invalid(error.description + "; or 'off' to leave the store's status alone on claim")
                }
                if let refusal = ClaimStatusPolicy.refusal(for: status.id) { throw ControlAPIError.invalid(refusal) }
                claimStatus = .some(status)
            }
        }
        let finalImport = importStatus?.id ?? store.importStatusId
        var claimTurnedOffByImport = false
        if let wanted = claimStatus ?? nil, wanted.id == finalImport {
            let label = ImportStatusResolver.info(for: finalImport).name
            throw ControlAPIError.invalid(
                "the claim status cannot be the store's import status (\(finalImport) \(label)): a claimed order would look unclaimed in the store and the sync could not tell it from a new one; choose another status or 'off'")
        }
        if claimStatus == nil, let current = store.claimStatusId, current == finalImport {
            // Importing the status the store flips to: the flip cannot work, so it goes off
            // (said in the answer and the store's history) rather than refusing the import status.
            claimStatus = .some(nil)
            claimTurnedOffByImport = true
        }
        // Written so that no moment has claim status == import status where avoidable: turning the
        // flip off goes first, a new claim status after the new import status. (Claims never flip
        // to the import status anyway: queueClaimFlips skips such a store.)
        let claimFirst = claimStatus.map { $0 == nil } ?? false
        let claimReason = claimTurnedOffByImport ? "the import status became the claim status" : nil
        if claimFirst, let claimStatus { store = try await writeClaimStatus(store, claimStatus, reason: claimReason, actor: actor) }
        if let status = importStatus {
            let from = store.importStatusId
            let id = store.id
            store = try await mapped {
                try await database.setImportStatus(id, statusID: status.id, event: StoreEventInput(
                    kind: "import_status_changed", actor: actor, detail: ["from": String(from), "to": String(status.id)]))
            }
            logger.notice("import status changed", metadata: ["store": .string(store.name), "status_id": .stringConvertible(status.id), "actor": .string(actor)])
        }
        if !claimFirst, let claimStatus { store = try await writeClaimStatus(store, claimStatus, reason: claimReason, actor: actor) }
        if let seconds = request.pollIntervalSeconds {
            store = try await mapped { try await database.setPollInterval(store.id, seconds: seconds == 0 ? nil : seconds) }
            try await database.recordStoreEvent(store.id, StoreEventInput(
                kind: "poll_interval_changed", actor: actor, detail: ["seconds": seconds == 0 ? "default" : String(seconds)]))
        }
        return try await detail(store)
    }

    /// Sets (or turns off) the claim flip, with a store event.
    private func writeClaimStatus(_ store: StoreRecord, _ claimStatus: OrderStatusInfo?, reason: String?, actor: String) async throws -> StoreRecord {
        let from = store.claimStatusId.map(String.init) ?? "off"
        let to = claimStatus.map { String($0.id) } ?? "off"
        var detail = ["from": from, "to": to]
        detail["reason"] = reason
        let id = store.id
        let updated = try await mapped {
            try await database.setClaimStatus(id, statusID: claimStatus?.id, event: StoreEventInput(
                kind: "claim_status_changed", actor: actor, detail: detail))
        }
        logger.notice("claim status changed", metadata: ["store": .string(store.name), "claim_status": .string(to), "actor": .string(actor)])
        return updated
    }

    func pause(_ name: String, actor: String) async throws -> StoreDetail {
        let store = try await store(named: name)
        guard store.state == .active || store.state == .paused else {
            throw ControlAPIError.conflict("store '\(store.name)' is \(store.state.rawValue); only an active store can be paused")
        }
        let paused = try await mapped { try await database.setStoreState(store.id, to: .paused, event: StoreEventInput(kind: "paused", actor: actor)) }
        logger.notice("store paused", metadata: ["store": .string(store.name), "actor": .string(actor)])
        await storesChanged()
        return try await detail(paused)
    }

    func resume(_ name: String, actor: String) async throws -> StoreDetail {
        let store = try await store(named: name)
        guard store.state == .paused || store.state == .active else {
            throw ControlAPIError.conflict("store '\(store.name)' is \(store.state.rawValue); only a paused store can be resumed" + (store.state == .needsReauthorization ? " (run 'dropstreamctl store authorize \(store.name)')" : ""))
        }
        let resumed = try await mapped { try await database.setStoreState(store.id, to: .active, event: StoreEventInput(kind: "resumed", actor: actor)) }
        logger.notice("store resumed", metadata: ["store": .string(store.name), "actor": .string(actor)])
        await storesChanged()
        return try await detail(resumed)
    }

    func remove(_ name: String, purge: Bool, force: Bool, actor: String) async throws -> RemoveStoreResponse {
        let store = try await store(named: name)
        windows[store.id] = nil
        if purge {
            try await mapped { try await database.removeStore(store.id, force: force) }
        } else {
            _ = try await mapped { try await database.disconnectStore(store.id, event: StoreEventInput(kind: "disconnected", actor: actor)) }
        }
        logger.notice(purge ? "store removed with its orders and history" : "store disconnected; orders and history kept",
                      metadata: ["store": .string(store.name), "actor": .string(actor)])
        await storesChanged()
        return RemoveStoreResponse(name: store.name, purged: purge)
    }

    // MARK: Authorize

    func startAuthorization(_ name: String, actor: String) async throws -> AuthorizationStartResponse {
        guard let app else {
            throw ControlAPIError.unavailable("no BigCommerce app is configured: set bigcommerce.client_id and the client secret file (see the README's first-time setup), then reload")
        }
        var store = try await store(named: name)
        switch store.state {
        case .awaitingAuthorization, .needsReauthorization:
            break
        case .disconnected:
            store = try await mapped { try await database.setStoreState(store.id, to: .awaitingAuthorization, event: StoreEventInput(kind: "reconnecting", actor: actor)) }
        case .active, .paused:
            throw ControlAPIError.conflict("store '\(store.name)' is already connected (\(store.state.rawValue)); nothing to authorize")
        }
        let expiresAt = now().addingTimeInterval(windowLength.timeInterval)
        windows[store.id] = Window(expiresAt: expiresAt, phase: .waiting, detail: "waiting for the store owner to confirm in BigCommerce")
        try await database.recordStoreEvent(store.id, StoreEventInput(kind: "authorization_started", actor: actor))
        logger.notice("authorization window opened", metadata: ["store": .string(store.name), "store_hash": .string(store.storeHash), "actor": .string(actor)])
        return AuthorizationStartResponse(store: store.name, authorizeURL: app.oauth.installURL, callbackURL: app.authCallbackURL, expiresAt: expiresAt)
    }

    func authorizationProgress(_ name: String) async throws -> AuthorizationProgressResponse {
        let store = try await store(named: name)
        guard var window = windows[store.id] else {
            let detail = store.state == .active || store.state == .paused ? "the store is connected" : "no authorization in progress; run 'dropstreamctl store authorize \(store.name)'"
            return AuthorizationProgressResponse(store: store.name, phase: store.state == .active ? .completed : .notStarted, detail: detail, storeState: store.state.rawValue)
        }
        if window.phase == .waiting, window.expiresAt < now() {
            window.phase = .expired
            window.detail = "the authorization window closed without a callback; run 'dropstreamctl store authorize \(store.name)' again"
            windows[store.id] = window
        }
        return AuthorizationProgressResponse(store: store.name, phase: window.phase, detail: window.detail, storeState: store.state.rawValue)
    }

    /// The outcome of a callback, as the callback page shows it.
    struct CallbackOutcome: Sendable {
        var status: Int
        var title: String
        var message: String
    }

    /// The auth callback (`GET {auth_callback}?code&scope&context&account_uuid`). Writes only
    /// when every check passes: a store awaiting authorization with exactly this hash, an open
    /// window, a successful code exchange for this very context.
    func completeAuthorization(code: String?, scope: String?, context: String?) async -> CallbackOutcome {
        func refuse(_ status: Int, _ message: String, store: StoreRecord? = nil) -> CallbackOutcome {
            logger.warning("auth callback refused", metadata: ["reason": .string(message), "store": .string(store?.name ?? "-")])
            if let store, windows[store.id] != nil {
                windows[store.id]?.phase = .failed
                windows[store.id]?.detail = message
            }
            return CallbackOutcome(status: status, title: "Authorization refused", message: message)
        }
        guard let app else { return refuse(503, "This DropStream daemon has no BigCommerce app configured.") }
        guard let code, !code.isEmpty, let context, !context.isEmpty, let scope else {
            return refuse(400, "The callback is missing code, scope or context.")
        }
        let hash: StoreHash
        do {
            hash = try StoreHash(context: context)
        } catch {
            return refuse(400, "The callback's context is not stores/{hash}.")
        }
        guard let store = try? await database.store(platform: .bigcommerce, storeHash: hash.rawValue) else {
            return refuse(403, "No store with hash \(hash.rawValue) is awaiting authorization here. Add it with 'dropstreamctl store add' and run 'dropstreamctl store authorize' first.")
        }
        guard store.state == .awaitingAuthorization || store.state == .needsReauthorization else {
            return refuse(409, "Store '\(store.name)' is \(store.state.rawValue), not awaiting authorization.", store: store)
        }
        guard let window = windows[store.id], window.phase == .waiting || window.phase == .failed else {
            return refuse(403, "No authorization is in progress for store '\(store.name)'. Run 'dropstreamctl store authorize \(store.name)' and try again.", store: store)
        }
        guard window.expiresAt >= now() else {
            return refuse(403, "The authorization window for store '\(store.name)' has closed. Run 'dropstreamctl store authorize \(store.name)' again.", store: store)
        }
        let token: OAuthToken
        do {
            token = try await app.oauth.exchangeCode(code: code, context: hash.context, scope: scope, redirectURI: app.authCallbackURL)
        } catch {
            return refuse(502, "BigCommerce did not accept the authorization code (\(error)). Start again with 'dropstreamctl store authorize \(store.name)'.", store: store)
        }
        guard (try? StoreHash(context: token.context)) == hash else {
            return refuse(502, "BigCommerce issued a token for another store than the callback named.", store: store)
        }
        do {
            let sealed = try vault.seal(token.accessToken.revealedValue, storeID: store.id)
            _ = try await database.completeAuthorization(storeId: store.id, ciphertext: sealed.ciphertext, nonce: sealed.nonce, keyID: vault.keyID)
        } catch {
            return refuse(500, "The token could not be stored: \(error).", store: store)
        }
        windows[store.id] = Window(expiresAt: window.expiresAt, phase: .completed, detail: "connected; the store is active")
        await storesChanged()
        logger.notice("store authorized and active", metadata: ["store": .string(store.name), "store_hash": .string(hash.rawValue), "scope": .string(token.scope)])
        return CallbackOutcome(status: 200, title: "Connected", message: "Store '\(store.name)' is connected to DropStream. You can close this window.")
    }

    /// The load callback: the store owner opened the app in the control panel.
    func load(signedPayloadJWT: String?) async -> CallbackOutcome {
        guard let app else { return CallbackOutcome(status: 503, title: "Not configured", message: "This DropStream daemon has no BigCommerce app configured.") }
        guard let jwt = signedPayloadJWT, let claims = try? app.verifier.verifyJWT(jwt, now: now()) else {
            logger.warning("load callback refused: missing or invalid signed_payload_jwt")
            return CallbackOutcome(status: 401, title: "Not verified", message: "The request's signature could not be verified.")
        }
        guard let store = try? await database.store(platform: .bigcommerce, storeHash: claims.storeHash.rawValue) else {
            return CallbackOutcome(status: 404, title: "Unknown store", message: "This store is not connected to DropStream.")
        }
        return CallbackOutcome(status: 200, title: "DropStream", message: "Store '\(store.name)' is \(store.state.rawValue.replacingOccurrences(of: "_", with: " ")) in DropStream.")
    }

    /// The uninstall callback: BigCommerce says the owner removed the app. The store is
    /// disconnected (token deleted, polling stops); orders and history stay.
    func uninstall(signedPayloadJWT: String?) async -> CallbackOutcome {
        guard let app else { return CallbackOutcome(status: 503, title: "Not configured", message: "no app configured") }
        let claims: SignedPayloadClaims
        do {
            guard let jwt = signedPayloadJWT else { throw SignedPayloadError.malformed }
            claims = try app.verifier.verifyJWT(jwt, now: now())
        } catch {
            logger.warning("uninstall callback refused", metadata: ["reason": .string("\(error)")])
            return CallbackOutcome(status: 401, title: "Not verified", message: "signature not verified")
        }
        guard let store = try? await database.store(platform: .bigcommerce, storeHash: claims.storeHash.rawValue) else {
            logger.notice("uninstall callback for a store not known here", metadata: ["store_hash": .string(claims.storeHash.rawValue)])
            return CallbackOutcome(status: 200, title: "OK", message: "unknown store")
        }
        windows[store.id] = nil
        do {
            _ = try await database.disconnectStore(store.id, event: StoreEventInput(kind: "uninstalled", actor: "store"))
        } catch {
            logger.error("uninstall: could not disconnect the store", metadata: ["store": .string(store.name), "error": "\(error)"])
            return CallbackOutcome(status: 500, title: "Error", message: "could not disconnect")
        }
        logger.notice("store owner uninstalled the app; store disconnected, orders and history kept", metadata: ["store": .string(store.name)])
        await storesChanged()
        return CallbackOutcome(status: 200, title: "OK", message: "disconnected")
    }

    // MARK: Talking to a store

    /// The store's live statuses (with custom labels).
    func orderStatuses(_ name: String, actor: String) async throws -> OrderStatusListResponse {
        let store = try await store(named: name)
        return OrderStatusListResponse(store: store.name, statuses: try await liveStatuses(for: store, fallBackToSystem: false, actor: actor), importStatusId: store.importStatusId)
    }

    /// A client for an authorized store, sharing the store's pacer.
    func client(for store: StoreRecord) async throws -> BigCommerceClient {
        guard let credential = try await database.credential(for: store.id) else {
            throw ControlAPIError.conflict("store '\(store.name)' is not authorized; run 'dropstreamctl store authorize \(store.name)'")
        }
        let token: String
        do {
            token = try vault.open(.init(ciphertext: credential.ciphertext, nonce: credential.nonce), storeID: store.id)
        } catch {
            throw ControlAPIError.internalError("the token of store '\(store.name)' cannot be decrypted: \(error)")
        }
        let hash = try StoreHash(parsing: store.storeHash)
        let pacer = pacers[hash] ?? RateLimitPacer(policy: clientConfiguration.pacingPolicy)
        pacers[hash] = pacer
        return BigCommerceClient(
            storeHash: hash, accessToken: AccessToken(token), httpClient: httpClient.client,
            configuration: clientConfiguration, pacer: pacer, logger: logger
        )
    }

    /// Live statuses; a store without a token falls back to the system list when allowed.
    private func liveStatuses(for store: StoreRecord, fallBackToSystem: Bool, actor: String) async throws -> [OrderStatusInfo] {
        guard store.state == .active || store.state == .paused else {
            if fallBackToSystem { return ImportStatusResolver.systemStatuses }
            throw ControlAPIError.conflict("store '\(store.name)' is \(store.state.rawValue); its statuses can be read once it is authorized")
        }
        let client = try await client(for: store)
        do {
            let statuses = try await client.orderStatuses().map { status in
                OrderStatusInfo(id: status.id, name: status.name, customLabel: status.customLabel == status.name ? nil : status.customLabel)
            }
            remember(Self.labels(statuses), storeId: store.id)
            return statuses
        } catch let error as BigCommerceError {
            if case .unauthorized = error {
                _ = try? await database.setStoreState(store.id, to: .needsReauthorization, event: StoreEventInput(
                    kind: "needs_reauthorization", actor: actor, detail: ["reason": "401 reading order statuses"]))
                logger.error("the store refused our token; it needs re-authorization", metadata: ["store": .string(store.name)])
                throw ControlAPIError.conflict("store '\(store.name)' refused our token (401): it needs re-authorization; run 'dropstreamctl store authorize \(store.name)'")
            }
            throw ControlAPIError.badGateway("could not read the statuses of store '\(store.name)': \(error)")
        }
    }

    /// The stores' custom status labels by status id (only the statuses a merchant renamed),
    /// for `orders list` and `orders show` (issue 17).
    ///
    /// One request per store at most every ``labelLifetime`` (10 minutes), never one per order:
    /// labels are kept from the last read (also from `store statuses`, `store set` and the
    /// wizard, which read the live list anyway). With `refresh` false nothing is fetched (the
    /// answers to queue writes must not wait for a store). A store that is not authorized, or
    /// cannot be asked, has no labels (the system name is shown); it is not asked again for
    /// ``labelRetryDelay``, and a failure never changes the store's state.
    func statusLabels(storeIds: Set<Int64>, refresh: Bool) async -> [Int64: [Int: String]] {
        var result: [Int64: [Int: String]] = [:]
        for id in storeIds {
            let cached = labelCache[id]
            let fresh = cached.map { now().timeIntervalSince($0.readAt) < Self.labelLifetime } ?? false
            let failedLately = labelFailures[id].map { now().timeIntervalSince($0) < Self.labelRetryDelay } ?? false
            if refresh && !fresh && !failedLately, let labels = await readLabels(storeId: id) {
                result[id] = labels
            } else {
                result[id] = cached?.labels ?? [:]
            }
        }
        return result
    }

    /// Reads one store's labels into the cache; nil (and a failure noted) when it cannot.
    private func readLabels(storeId: Int64) async -> [Int: String]? {
        do {
            guard let store = try await database.store(id: storeId), store.state == .active || store.state == .paused else {
                labelFailures[storeId] = now()
                return nil
            }
            let statuses = try await client(for: store).orderStatuses()
            let labels = Self.labels(statuses.map { OrderStatusInfo(id: $0.id, name: $0.name, customLabel: $0.customLabel) })
            remember(labels, storeId: storeId)
            return labels
        } catch {
            labelFailures[storeId] = now()
            logger.debug("could not read the store's status labels; showing system names", metadata: [
                "store_id": .stringConvertible(storeId), "error": "\(error)"])
            return nil
        }
    }

    private func remember(_ labels: [Int: String], storeId: Int64) {
        labelCache[storeId] = (labels, now())
        labelFailures[storeId] = nil
    }

    /// The renamed statuses of a live list: a label equal to the system name is no label.
    private static func labels(_ statuses: [OrderStatusInfo]) -> [Int: String] {
        Dictionary(statuses.compactMap { status in
            status.customLabel.flatMap { $0.isEmpty || $0 == status.name ? nil : (status.id, $0) }
        }, uniquingKeysWith: { first, _ in first })
    }

    /// Every store's pacer view (quota and response counters), for `/metrics`.
    func pacerStatuses() async -> [(store: String, status: RateLimitStatus)] {
        var result: [(store: String, status: RateLimitStatus)] = []
        for (hash, pacer) in pacers.sorted(by: { $0.key < $1.key }) {
            result.append((hash.rawValue, await pacer.status()))
        }
        return result
    }

    // MARK: Helpers

    private func store(named name: String) async throws -> StoreRecord {
        guard let store = try await database.store(named: name) else {
            throw ControlAPIError.notFound("no store named '\(name)'; 'dropstreamctl store list' shows them")
        }
        return store
    }

    private func detail(_ store: StoreRecord, orders: [OrderState: Int]? = nil) async throws -> StoreDetail {
        let counts: [OrderState: Int]
        if let orders {
            counts = orders
        } else {
            counts = try await database.statusSummary().perStore.first { $0.storeId == store.id }?.orders ?? [:]
        }
        let hasCredential = try await database.credential(for: store.id) != nil
        return StoreDetail(
            name: store.name, platform: store.platform.rawValue, storeHash: store.storeHash, state: store.state.rawValue,
            importStatus: ImportStatusResolver.info(for: store.importStatusId), pollIntervalSeconds: store.pollIntervalSeconds,
            hasCredential: hasCredential,
            ordersByState: Dictionary(uniqueKeysWithValues: OrderState.allCases.map { ($0.rawValue, counts[$0] ?? 0) }),
            createdAt: store.createdAt, updatedAt: store.updatedAt,
            claimStatus: store.claimStatusId.map { ImportStatusResolver.info(for: $0) }
        )
    }

    /// Runs a database operation and turns its refusals into control API errors.
    private func mapped<T: Sendable>(_ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch let error as StorageError {
            throw ControlAPIError(databaseError: error)
        }
    }
}

extension Duration {
    var timeInterval: TimeInterval {
        TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18
    }
}
