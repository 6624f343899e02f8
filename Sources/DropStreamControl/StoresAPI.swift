import Foundation

// The store-management part of the control API (DESIGN §2 flows 1-3 and 8, issue 4).
// Stores are addressed by name (case-insensitive) in every path: `/v1/stores/{name}`.

extension ControlAPI.Path {
    /// `GET`: every store (``StoreListResponse``). `POST` with ``AddStoreRequest``: add one (201, ``StoreDetail``).
    public static let stores = "/v1/stores"

    /// `GET`: one store (``StoreDetail``). `PATCH` with ``UpdateStoreRequest``: change settings.
    /// `DELETE` (`?purge=true` to delete its orders and history too; `&force=true` even with
    /// orders still in the queue): remove it (``RemoveStoreResponse``).
    public static func store(_ name: String) -> String { "/v1/stores/\(escape(name))" }

    /// `POST`: pause polling (``StoreDetail``).
    public static func pauseStore(_ name: String) -> String { store(name) + "/pause" }

    /// `POST`: resume polling (``StoreDetail``).
    public static func resumeStore(_ name: String) -> String { store(name) + "/resume" }

    /// `POST`: open an authorization window and get the URL the store owner opens
    /// (``AuthorizationStartResponse``). `GET`: where that authorization stands
    /// (``AuthorizationProgressResponse``), for `store authorize --wait`.
    public static func authorization(_ name: String) -> String { store(name) + "/authorization" }

    /// `GET`: the store's live order statuses with their custom labels
    /// (``OrderStatusListResponse``); needs an authorized store.
    public static func orderStatuses(_ name: String) -> String { store(name) + "/order-statuses" }

    /// Percent-escapes a store name for use as one path segment.
    public static func escape(_ segment: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#%")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }
}

/// `POST /v1/stores`: the wizard's Store Setup step.
public struct AddStoreRequest: Codable, Sendable, Equatable {
    /// The operator's name for the store; unique, case-insensitive; 1–64 printable characters.
    public var name: String
    /// The platform; only `bigcommerce` today.
    public var platform: String
    /// The store hash, or a pasted API path/URL (`https://api.bigcommerce.com/stores/abcde/v3/`):
    /// the daemon extracts and validates the hash.
    public var storeHash: String
    /// The Order Import Status as an id (`11`) or system name (`Awaiting Fulfillment`); custom
    /// labels can be used with `store set` once the store is authorized. Default: 11.
    public var importStatus: String?

    public init(name: String, platform: String = "bigcommerce", storeHash: String, importStatus: String? = nil) {
        self.name = name
        self.platform = platform
        self.storeHash = storeHash
        self.importStatus = importStatus
    }
}

/// `PATCH /v1/stores/{name}`: only the fields present change.
public struct UpdateStoreRequest: Codable, Sendable, Equatable {
    /// New Order Import Status: id, system name or the store's custom label, validated against
    /// the store's live `/v2/order_statuses` (so the store must be authorized).
    public var importStatus: String?
    /// Seconds between polls; 0 resets to the configured default.
    public var pollIntervalSeconds: Int?
    /// The claim status (the status set in the store when a worker claims an order): id, system
    /// name or custom label, validated against the store's live statuses; `off` turns the flip
    /// off. It must be an open status (not Incomplete, Shipped, Partially Shipped, Completed,
    /// Cancelled, Refunded, Partially Refunded or Declined) and differ from the import status.
    public var claimStatus: String?

    public init(importStatus: String? = nil, pollIntervalSeconds: Int? = nil, claimStatus: String? = nil) {
        self.importStatus = importStatus
        self.pollIntervalSeconds = pollIntervalSeconds
        self.claimStatus = claimStatus
    }
}

/// A store-side order status, as the store names it.
public struct OrderStatusInfo: Codable, Sendable, Equatable {
    /// BigCommerce's fixed id, 0–14.
    public var id: Int
    /// The system name (`Awaiting Fulfillment`).
    public var name: String
    /// The merchant's label, when it differs from the system name.
    public var customLabel: String?

    public init(id: Int, name: String, customLabel: String? = nil) {
        self.id = id
        self.name = name
        self.customLabel = customLabel
    }
}

/// One store, as `store list` and `store show` show it.
public struct StoreDetail: Codable, Sendable, Equatable {
    public var name: String
    public var platform: String
    public var storeHash: String
    /// `awaiting_authorization`, `active`, `paused`, `needs_reauthorization` or `disconnected`.
    public var state: String
    public var importStatus: OrderStatusInfo
    /// The status set in the store when a worker claims an order (the claim flip); nil = off.
    public var claimStatus: OrderStatusInfo?
    /// Seconds between polls, when set for this store; nil = the configured default.
    public var pollIntervalSeconds: Int?
    /// Whether the daemon holds a token for the store (the token itself never leaves the daemon).
    public var hasCredential: Bool
    /// Order counts by queue state.
    public var ordersByState: [String: Int]
    public var createdAt: Date
    public var updatedAt: Date
    /// The store's connection history, newest last (`store show` only; absent in `store list`).
    public var history: [StoreHistoryEntry]?
    /// The sync engine's view of the store (`dropstreamctl store show` fills it from
    /// `GET /v1/stores/{name}/sync`; the daemon's StoreDetail leaves it out).
    public var sync: StoreSyncInfo?

    public init(
        name: String, platform: String, storeHash: String, state: String, importStatus: OrderStatusInfo,
        pollIntervalSeconds: Int?, hasCredential: Bool, ordersByState: [String: Int], createdAt: Date, updatedAt: Date,
        history: [StoreHistoryEntry]? = nil, claimStatus: OrderStatusInfo? = nil
    ) {
        self.name = name
        self.platform = platform
        self.storeHash = storeHash
        self.state = state
        self.importStatus = importStatus
        self.claimStatus = claimStatus
        self.pollIntervalSeconds = pollIntervalSeconds
        self.hasCredential = hasCredential
        self.ordersByState = ordersByState
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.history = history
    }
}

/// One entry of a store's connection history.
public struct StoreHistoryEntry: Codable, Sendable, Equatable {
    public var at: Date
    /// `added`, `authorization_started`, `authorized`, `paused`, `resumed`, `import_status_changed`,
    /// `claim_status_changed`, `poll_interval_changed`, `needs_reauthorization`, `uninstalled`, `disconnected`.
    public var kind: String
    /// `operator`, `store` (a BigCommerce callback), `sync` or `pusher`.
    public var actor: String
    /// Keys as the daemon recorded them, some camelCase (`importStatusId`): kept unchanged for
    /// readers of /v1; prefer ``facts``.
    public var detail: [String: String]
    /// The same facts with snake_case keys (`import_status_id`), like every other key of the
    /// control API's JSON. Added beside ``detail`` (issue 17); nil from daemons before it existed.
    public var facts: [String: String]?

    public init(at: Date, kind: String, actor: String, detail: [String: String], facts: [String: String]? = nil) {
        self.at = at
        self.kind = kind
        self.actor = actor
        self.detail = detail
        self.facts = facts
    }
}

/// `GET /v1/stores`.
public struct StoreListResponse: Codable, Sendable, Equatable {
    public var stores: [StoreDetail]
    public init(stores: [StoreDetail]) { self.stores = stores }
}

/// `DELETE /v1/stores/{name}`.
public struct RemoveStoreResponse: Codable, Sendable, Equatable {
    public var name: String
    /// True when the store, its orders and history were deleted; false when it was only disconnected.
    public var purged: Bool
    public init(name: String, purged: Bool) {
        self.name = name
        self.purged = purged
    }
}

/// `POST /v1/stores/{name}/authorization`.
public struct AuthorizationStartResponse: Codable, Sendable, Equatable {
    public var store: String
    /// What the store owner opens in a browser (BigCommerce's app install page).
    public var authorizeURL: String
    /// Where BigCommerce will send the browser back; must equal the app's registered Auth Callback URL.
    public var callbackURL: String
    /// The callback is accepted until then.
    public var expiresAt: Date

    // The wire uses snake_case keys; "URL" would round-trip as "authorize_url" -> "authorizeUrl"
    // and miss the property, so the keys are spelled the way the key strategies produce them.
    private enum CodingKeys: String, CodingKey {
        case store
        case authorizeURL = "authorizeUrl"
        case callbackURL = "callbackUrl"
        case expiresAt
    }

    public init(store: String, authorizeURL: String, callbackURL: String, expiresAt: Date) {
        self.store = store
        self.authorizeURL = authorizeURL
        self.callbackURL = callbackURL
        self.expiresAt = expiresAt
    }
}

/// `GET /v1/stores/{name}/authorization`.
public struct AuthorizationProgressResponse: Codable, Sendable, Equatable {
    public enum Phase: String, Codable, Sendable {
        /// No authorization window is open.
        case notStarted = "not_started"
        /// Waiting for the store owner to confirm in BigCommerce.
        case waiting
        /// The callback arrived and the token was stored: the store is active.
        case completed
        /// The last callback for this store was refused; `detail` says why.
        case failed
        /// The window closed without a callback.
        case expired
    }

    public var store: String
    public var phase: Phase
    /// One sentence for the operator.
    public var detail: String
    public var storeState: String

    public init(store: String, phase: Phase, detail: String, storeState: String) {
        self.store = store
        self.phase = phase
        self.detail = detail
        self.storeState = storeState
    }
}

/// `GET /v1/stores/{name}/order-statuses`.
public struct OrderStatusListResponse: Codable, Sendable, Equatable {
    public var store: String
    public var statuses: [OrderStatusInfo]
    /// The store's current Order Import Status id.
    public var importStatusId: Int
    public init(store: String, statuses: [OrderStatusInfo], importStatusId: Int) {
        self.store = store
        self.statuses = statuses
        self.importStatusId = importStatusId
    }
}
