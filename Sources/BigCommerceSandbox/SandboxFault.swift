/// The store API and OAuth endpoints the sandbox serves, as counted and as faults target them.
public enum SandboxEndpoint: String, Sendable, CaseIterable, Codable {
    case listOrders = "GET /orders"
    case countOrders = "GET /orders/count"
    case getOrder = "GET /orders/{id}"
    case updateOrder = "PUT /orders/{id}"
    case archiveOrder = "DELETE /orders/{id}"
    case listProducts = "GET /orders/{id}/products"
    case getProduct = "GET /orders/{id}/products/{id}"
    case listShippingAddresses = "GET /orders/{id}/shipping_addresses"
    case getShippingAddress = "GET /orders/{id}/shipping_addresses/{id}"
    case listCoupons = "GET /orders/{id}/coupons"
    case getConsignments = "GET /orders/{id}/consignments"
    case listFees = "GET /orders/{id}/fees"
    case deleteShipment = "DELETE /orders/{id}/shipments/{id}"
    case listShipments = "GET /orders/{id}/shipments"
    case countShipments = "GET /orders/{id}/shipments/count"
    case getShipment = "GET /orders/{id}/shipments/{id}"
    case createShipment = "POST /orders/{id}/shipments"
    case listOrderStatuses = "GET /order_statuses"
    case getOrderStatus = "GET /order_statuses/{id}"
    case time = "GET /time"
    case unknown = "unknown store API path"
    case oauthToken = "POST /oauth2/token"

    /// A short name usable in URLs and on the command line (`listOrders`).
    public var name: String { String(describing: self) }
    public init?(name: String) {
        guard let e = Self.allCases.first(where: { $0.name == name || $0.rawValue == name }) else { return nil }
        self = e
    }
}

/// A change applied to the store right after a listing page was served, to reproduce page shift.
public enum SandboxListingMutation: Sendable, Hashable {
    /// Bump `date_modified` of the first `count` orders of the page just served (they move to
    /// the end of a `sort=date_modified` listing).
    case touchServedOrders(count: Int)
    /// Move the first `count` orders of the page just served to another status (they leave a
    /// `status_id` filter, so the next page skips as many orders).
    case changeStatusOfServedOrders(count: Int, to: Int)
    /// Create `count` new orders (status Awaiting Fulfillment) dated now.
    case createOrders(count: Int)
}

/// A fault the sandbox injects into matching requests.
public struct SandboxFault: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// 429; with or without the `X-Rate-Limit-*` headers (without = platform overload).
        case rateLimited(withHeaders: Bool)
        /// 500, 502, 503 (or any status) with a v2 error body.
        case serverError(status: Int)
        /// The normal response, delayed.
        case latency(Duration)
        /// The TCP connection is reset (RST) before any response byte.
        case connectionReset
        /// A 200 whose JSON body is cut in half (Content-Length matches the cut body).
        case truncatedJSON
        /// A 200 whose body is not JSON at all.
        case malformedJSON
        /// Serve the listing page normally, then mutate the store (listing endpoints only).
        case mutationBetweenPages(SandboxListingMutation)
    }

    /// When the fault fires.
    public enum Trigger: Sendable, Hashable {
        /// The next `n` matching requests.
        case nextRequests(Int)
        /// Each matching request with probability `p` (0...1), from a seeded generator, until removed.
        case probability(Double, seed: UInt64 = 42)
    }

    public var kind: Kind
    public var trigger: Trigger
    /// Only requests to this store; nil = every store (global).
    public var store: String?
    /// Only this endpoint; nil = every endpoint.
    public var endpoint: SandboxEndpoint?

    public init(_ kind: Kind, trigger: Trigger = .nextRequests(1), store: String? = nil, endpoint: SandboxEndpoint? = nil) {
        self.kind = kind; self.trigger = trigger; self.store = store; self.endpoint = endpoint
    }
}

/// A handle on an injected fault, to remove it or read how often it fired.
public struct SandboxFaultID: Sendable, Hashable, Codable { public let rawValue: Int }

/// Deterministic pseudo-random numbers (SplitMix64): same seed, same sequence on every platform.
public struct SandboxRandom: Sendable, RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func pick<T>(_ a: [T]) -> T { a[Int(next() % UInt64(a.count))] }
}
