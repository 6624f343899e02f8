import Foundation

/// Everything a sandbox needs to start. Defaults follow the reference; where the reference is
/// UNCONFIRMED the default is the most plausible behaviour and the alternative is selectable here
/// (see "Sandbox behaviour" in docs/sandbox.md).
public struct SandboxConfiguration: Sendable {
    /// Address to bind; the sandbox only ever needs loopback.
    public var host: String
    /// Port to bind; 0 picks an ephemeral port (read it back from `RunningSandbox.baseURL`).
    public var port: Int

    // MARK: the registered app (Developer Portal)

    /// The app's OAuth client id (`/app/{client_id}/install`, token exchange, JWT `aud`).
    public var clientID: String
    /// The app's client secret (token exchange, HS256 key for `signed_payload_jwt`).
    public var clientSecret: String
    /// The app's registered auth callback; Confirm redirects here and `redirect_uri` must equal it.
    public var authCallbackURL: String
    /// Called server-to-server with `?signed_payload_jwt=` when the app is uninstalled (optional).
    public var uninstallCallbackURL: String?
    /// Base of the URL produced by `loadCallbackURL(store:)` (optional).
    public var loadCallbackURL: String?
    /// Scopes granted on install (space-separated in `scope`).
    public var scopes: [String]
    /// `account_uuid` of the developer account, sent on the auth callback and in the token response.
    public var accountUUID: String

    // MARK: OAuth

    /// How long a grant code stays valid, measured on the sandbox clock (default 5 minutes).
    /// Codes are single-use (UNCONFIRMED in the reference; standard OAuth).
    public var codeLifetime: Duration
    /// The password the sign-in page accepts for every store owner.
    public var ownerPassword: String

    // MARK: rate limiting

    /// Requests per window per store (default 150, the Standard/Plus plan). A store may override it.
    public var defaultQuota: Int
    /// Window length (default 30 s).
    public var rateLimitWindow: Duration
    /// When false no request is ever refused with 429 (headers are still sent).
    public var rateLimitEnabled: Bool

    // MARK: UNCONFIRMED behaviours, with the alternatives

    /// What `limit` > 250 does. Default: clamp to 250. Alternative: 413 v2 error.
    public var oversizedLimit: OversizedLimitBehaviour
    /// What an unknown store hash gets. Default: 404. Alternative: 403.
    public var unknownStoreStatus: UnknownStoreStatus
    /// Whether `GET /orders` without `status_id` lists Incomplete (0) orders. Default: hidden,
    /// as in the control panel. An explicit `status_id=0` always lists them.
    public var listsIncompleteOrdersByDefault: Bool
    /// Whether archived orders (`is_deleted`) appear in listings without `is_deleted=true`.
    /// Default: hidden. `is_deleted=true` lists only archived orders.
    public var listsArchivedOrdersByDefault: Bool
    /// What an unparsable filter value (bad date, non-integer id) does. Default: the filter is
    /// ignored, as bigcommerce-api-php#89 observed. Alternative: 400 v2 error.
    public var invalidFilter: InvalidFilterBehaviour
    /// Status of a shipment that ships more than is left on a line (UNCONFIRMED). Default 400;
    /// 422 is the plausible alternative.
    public var overShippingStatus: Int
    /// Whether the uninstall/load callbacks also carry the legacy `signed_payload` parameter.
    public var sendsLegacySignedPayload: Bool

    // MARK: bookkeeping

    /// How many request log entries are kept (oldest dropped first); counters are never dropped.
    public var requestLogCapacity: Int

    public enum OversizedLimitBehaviour: String, Sendable, CaseIterable { case clamp, reject413 }
    public enum UnknownStoreStatus: Int, Sendable, CaseIterable { case notFound = 404, forbidden = 403 }
    public enum InvalidFilterBehaviour: String, Sendable, CaseIterable { case ignore, reject400 }

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        clientID: String = "sandbox-client-id",
        clientSecret: String = "sandbox-client-secret",
        authCallbackURL: String = "http://127.0.0.1:8780/auth/bigcommerce/callback",
        uninstallCallbackURL: String? = nil,
        loadCallbackURL: String? = nil,
        scopes: [String] = ["store_v2_orders", "store_v2_information_read_only"],
        accountUUID: String = "6b2f6a8e-0c3f-4c47-9a4e-5d1e2f3a4b5c",
        codeLifetime: Duration = .seconds(300),
        ownerPassword: String = "sandbox",
        defaultQuota: Int = 150,
        rateLimitWindow: Duration = .seconds(30),
        rateLimitEnabled: Bool = true,
        oversizedLimit: OversizedLimitBehaviour = .clamp,
        unknownStoreStatus: UnknownStoreStatus = .notFound,
        listsIncompleteOrdersByDefault: Bool = false,
        listsArchivedOrdersByDefault: Bool = false,
        invalidFilter: InvalidFilterBehaviour = .ignore,
        sendsLegacySignedPayload: Bool = false,
        overShippingStatus: Int = 400,
        requestLogCapacity: Int = 10_000
    ) {
        self.host = host; self.port = port; self.clientID = clientID; self.clientSecret = clientSecret
        self.authCallbackURL = authCallbackURL; self.uninstallCallbackURL = uninstallCallbackURL
        self.loadCallbackURL = loadCallbackURL; self.scopes = scopes; self.accountUUID = accountUUID
        self.codeLifetime = codeLifetime; self.ownerPassword = ownerPassword; self.defaultQuota = defaultQuota
        self.rateLimitWindow = rateLimitWindow; self.rateLimitEnabled = rateLimitEnabled
        self.oversizedLimit = oversizedLimit; self.unknownStoreStatus = unknownStoreStatus
        self.listsIncompleteOrdersByDefault = listsIncompleteOrdersByDefault
        self.listsArchivedOrdersByDefault = listsArchivedOrdersByDefault; self.invalidFilter = invalidFilter
        self.sendsLegacySignedPayload = sendsLegacySignedPayload; self.requestLogCapacity = requestLogCapacity
        self.overShippingStatus = overShippingStatus
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (s, a) = components
        return s * 1000 + a / 1_000_000_000_000_000
    }
}
