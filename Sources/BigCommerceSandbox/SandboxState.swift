import Foundation

/// Rate-limit figures of one response (the four `X-Rate-Limit-*` headers).
public struct SandboxRateLimit: Sendable, Hashable, Codable {
    public var windowMs: Int64
    public var resetMs: Int64
    public var quota: Int
    public var left: Int
}

/// One request as the sandbox saw it (admin read-back).
public struct SandboxRequestRecord: Sendable, Hashable, Codable {
    public var sequence: Int
    public var time: SandboxTimestamp
    public var method: String
    public var path: String
    public var store: String?
    public var endpoint: String
    public var status: Int
    /// The injected fault that shaped the response, if any.
    public var fault: String?
}

/// A token as the store sees it.
public struct SandboxToken: Sendable, Hashable, Codable {
    public var token: String
    public var store: String
    public var scopes: [String]
    public var revoked: Bool
}

/// The sandbox's whole state: stores, orders, shipments, tokens, OAuth codes, faults, counters.
///
/// Tests and benchmarks drive it directly (`sandbox.state.createStore(...)`), the admin HTTP API
/// calls the same methods. All dates come from the sandbox clock (`now`), which tests can move.
public actor SandboxState {
    public nonisolated let configuration: SandboxConfiguration

    var stores: [String: StoreData] = [:]
    private var storeOrder: [String] = []
    private var tokens: [String: SandboxToken] = [:]
    private var clockOffset: Int64 = 0
    private var nextOwnerID = 12345

    // OAuth
    struct Session { let email: String; let created: SandboxTimestamp; var externalInstall: Bool }
    struct Code { let store: String; let scopes: [String]; let issuedMs: Int64; var used: Bool }
    private var sessions: [String: Session] = [:]
    private var codes: [String: Code] = [:]

    // Faults
    struct ActiveFault { var fault: SandboxFault; var remaining: Int?; var rng: SandboxRandom; var fired: Int }
    private var faults: [Int: ActiveFault] = [:]
    private var nextFaultID = 1

    // Read-back
    private var counts: [SandboxEndpoint: Int] = [:]
    private var storeCounts: [String: [SandboxEndpoint: Int]] = [:]
    private var log: [SandboxRequestRecord] = []
    private var logHead = 0
    private var sequence = 0

    public init(configuration: SandboxConfiguration) {
        self.configuration = configuration
    }

    // MARK: - Clock

    /// The sandbox's current time (local clock + offset), whole seconds.
    public func now() -> SandboxTimestamp { Int64(Date().timeIntervalSince1970) + clockOffset }
    func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) + clockOffset * 1000 }

    /// Makes the store's server time differ from the local clock by `seconds` (may be negative).
    public func setClockOffset(seconds: Int64) { clockOffset = seconds }
    /// Moves the sandbox clock forward (e.g. to expire OAuth codes without sleeping).
    public func advanceClock(seconds: Int64) { clockOffset += seconds }
    public func clockOffsetSeconds() -> Int64 { clockOffset }

    // MARK: - Stores

    /// Creates a store; fails with 409 when the hash exists.
    @discardableResult
    public func createStore(_ spec: SandboxStoreSpec) throws -> String {
        guard !spec.hash.isEmpty, spec.hash.allSatisfy({ $0.isLetter || $0.isNumber }) else {
            throw SandboxError.badRequest("A store hash is letters and digits only.")
        }
        guard stores[spec.hash] == nil else { throw SandboxError(status: 409, "Store \(spec.hash) exists.") }
        stores[spec.hash] = StoreData(spec: spec, ownerID: nextOwnerID)
        nextOwnerID += 1
        storeOrder.append(spec.hash)
        return spec.hash
    }

    /// Convenience: `createStore(SandboxStoreSpec(hash:...))`.
    @discardableResult
    public func createStore(hash: String, ownerEmail: String? = nil, quota: Int? = nil, customStatusLabels: [Int: String] = [:]) throws -> String {
        try createStore(SandboxStoreSpec(hash: hash, ownerEmail: ownerEmail, quota: quota, customStatusLabels: customStatusLabels))
    }

    public func storeHashes() -> [String] { storeOrder }

    /// Renames a status for a store (`custom_label`).
    public func setCustomStatusLabel(store: String, statusID: Int, label: String?) throws {
        let s = try data(store)
        s.customLabels[statusID] = label
    }

    public func setQuota(store: String, quota: Int?) throws { try data(store).quota = quota }

    func data(_ hash: String) throws -> StoreData {
        guard let s = stores[hash] else { throw SandboxError.notFound("No store \(hash).") }
        return s
    }

    func storeData(_ hash: String) -> StoreData? { stores[hash] }

    // MARK: - Orders (merchant actions)

    /// Seeds `count` orders deterministically from `seed` (same seed and count, same orders).
    /// Creation dates are one to five minutes apart and end at `endingAt` (default: now).
    /// Shipped and partially shipped orders get matching shipments.
    @discardableResult
    public func seedOrders(
        store: String, count: Int, seed: UInt64 = 1, statusMix: SandboxStatusMix = .realistic, endingAt: SandboxTimestamp? = nil
    ) throws -> ClosedRange<Int>? {
        let s = try data(store)
        guard count > 0 else { return nil }
        var r = SandboxRandom(seed: seed)
        var gaps: [Int64] = []
        gaps.reserveCapacity(count)
        for _ in 0..<count { gaps.append(Int64(r.int(60...300))) }
        var t = (endingAt ?? now()) - gaps.reduce(0, +)
        var first: Int?
        var last = 0
        for i in 0..<count {
            t += gaps[i]
            let status = statusMix.pick(&r)
            var o = SandboxSeeder.order(&r, statusID: status, created: t)
            o.dateModified = t + Int64(r.int(0...120))
            let stored = s.insert(o)
            if status == SandboxOrderStatus.shipped || status == SandboxOrderStatus.partiallyShipped || status == SandboxOrderStatus.completed {
                seedShipment(s, stored, partial: status == SandboxOrderStatus.partiallyShipped)
                if status != SandboxOrderStatus.partiallyShipped {
                    s.update(stored.id) { if $0.dateShipped == nil { $0.dateShipped = $0.dateModified } }
                }
            }
            first = first ?? stored.id
            last = stored.id
        }
        return first.map { $0...last }
    }

    private func seedShipment(_ s: StoreData, _ o: SandboxOrder, partial: Bool) {
        let physical = o.lines.filter { $0.type == .physical }
        guard let address = o.shippingAddresses.first, !physical.isEmpty else { return }
        let toShip = partial && physical.count > 1 ? [physical[0]] : physical
        if partial && physical.count == 1 && physical[0].quantity < 2 { return }
        var items: [SandboxShipmentItem] = []
        for l in toShip {
            let q = partial && physical.count == 1 ? l.quantity - 1 : l.quantity
            items.append(.init(orderProductID: l.id, productID: l.productID, quantity: q))
        }
        s.update(o.id) { ord in
            for it in items { if let i = ord.lines.firstIndex(where: { $0.id == it.orderProductID }) { ord.lines[i].quantityShipped += it.quantity } }
            if !partial { ord.dateShipped = ord.dateModified }
        }
        let sh = SandboxShipment(
            id: s.nextShipmentID, orderID: o.id, customerID: o.customerID, orderAddressID: address.id, dateCreated: o.dateModified,
            trackingNumber: "1Z\(o.id)SANDBOX", shippingMethod: address.shippingMethod, shippingProvider: "ups", trackingCarrier: "",
            trackingLink: "", comments: "", merchantShippingCost: .zero, billingAddress: o.billingAddress, shippingAddress: address.address,
            items: items)
        s.nextShipmentID += 1
        s.shipments[o.id, default: []].append(sh)
    }

    /// Creates an order as a merchant would (ids are assigned; dates default to now).
    /// Line `orderAddressID` values refer to the given addresses' `id`s (or 0 = the first address).
    @discardableResult
    public func createOrder(store: String, _ order: SandboxOrder) throws -> SandboxOrder {
        let s = try data(store)
        guard SandboxOrderStatus.isValid(order.statusID) else { throw SandboxError.badRequest("status_id must be 0...14.") }
        var o = order
        let t = now()
        if o.dateCreated == 0 { o.dateCreated = t }
        if o.dateModified == 0 { o.dateModified = max(t, o.dateCreated) }
        return s.insert(o)
    }

    /// Creates an order with a realistic customer and address (from `seed`) and exactly these
    /// physical lines (unit price 10.00 unless given), dated now.
    @discardableResult
    public func createOrder(
        store: String, statusID: Int = SandboxOrderStatus.awaitingFulfillment,
        lines: [(sku: String, quantity: Int)], unitPrice: SandboxMoney = SandboxMoney(cents: 1000), seed: UInt64 = 0
    ) throws -> SandboxOrder {
        var r = SandboxRandom(seed: seed &+ UInt64(try data(store).nextOrderID))
        var o = SandboxSeeder.order(&r, statusID: statusID, created: 0)
        o.lines = lines.enumerated().map { i, l in
            SandboxLineItem(productID: 500 + i, name: l.sku, sku: l.sku, price: unitPrice, quantity: l.quantity)
        }
        return try createOrder(store: store, o)
    }

    /// Edits an order (addresses, lines, notes...); `date_modified` moves to now unless the edit sets it.
    @discardableResult
    public func editOrder(store: String, id: Int, _ edit: @Sendable (inout SandboxOrder) -> Void) throws -> SandboxOrder {
        let s = try data(store)
        let t = now()
        guard let before = s.order(id) else { throw SandboxError.notFound("No order \(id) in \(store).") }
        let o = s.update(id) { o in
            edit(&o)
            if o.dateModified == before.dateModified { o.dateModified = t }
            for i in o.lines.indices where o.lines[i].id == 0 {
                o.lines[i].id = s.nextLineID
                s.nextLineID += 1
                if o.lines[i].type == .physical && o.lines[i].orderAddressID == 0 { o.lines[i].orderAddressID = o.shippingAddresses.first?.id ?? 0 }
            }
            for i in o.shippingAddresses.indices where o.shippingAddresses[i].id == 0 {
                o.shippingAddresses[i].id = s.nextAddressID
                s.nextAddressID += 1
            }
        }
        return o!
    }

    /// Changes an order's status and bumps `date_modified` (like `PUT /orders/{id}`).
    @discardableResult
    public func setStatus(store: String, id: Int, statusID: Int) throws -> SandboxOrder {
        guard SandboxOrderStatus.isValid(statusID) else { throw SandboxError.badRequest("status_id must be 0...14.") }
        let s = try data(store)
        let t = now()
        guard let o = s.update(id, { $0.statusID = statusID; $0.dateModified = t }) else { throw SandboxError.notFound("No order \(id) in \(store).") }
        return o
    }

    /// Cancels an order (status 5).
    @discardableResult
    public func cancelOrder(store: String, id: Int) throws -> SandboxOrder { try setStatus(store: store, id: id, statusID: SandboxOrderStatus.cancelled) }

    /// Archives an order (`is_deleted: true`, like `DELETE /orders/{id}`).
    @discardableResult
    public func archiveOrder(store: String, id: Int) throws -> SandboxOrder {
        let s = try data(store)
        let t = now()
        guard let o = s.update(id, { $0.isDeleted = true; $0.dateModified = t }) else { throw SandboxError.notFound("No order \(id) in \(store).") }
        return o
    }

    /// The orders as the store holds them, by id ascending (archived included).
    public func orders(store: String) throws -> [SandboxOrder] { try data(store).orders }
    public func order(store: String, id: Int) throws -> SandboxOrder? { try data(store).order(id) }
    public func orderCount(store: String) throws -> Int { try data(store).count }

    /// Shipments of one order, or of the whole store when `orderID` is nil.
    public func shipments(store: String, orderID: Int? = nil) throws -> [SandboxShipment] {
        let s = try data(store)
        if let orderID { return s.shipments[orderID] ?? [] }
        return s.shipments.keys.sorted().flatMap { s.shipments[$0]! }
    }

    // MARK: - Listing (used by the store API)

    /// One page of `GET /orders`.
    func listOrders(store s: StoreData, query q: OrderQuery) -> [SandboxOrder] {
        let start = (max(q.page, 1) - 1) * q.limit
        // Fast path (the syncer's full reconcile): status + id range, sorted by id, no other
        // filter, nothing archived to hide: the page is a slice of the status index.
        if let status = q.statusID, q.sort == .id, q.isStatusAndIDOnly, q.isDeleted == nil,
           s.archivedCount == 0 || configuration.listsArchivedOrdersByDefault {
            let ids = s.idsByStatus[status] ?? []
            let lo = q.minID.map { m in ids.lowerBound { $0 < m } } ?? 0
            let hi = Swift.max(lo, q.maxID.map { m in ids.lowerBound { $0 <= m } } ?? ids.count)
            let n = hi - lo
            guard start < n else { return [] }
            let end = Swift.min(n, start + q.limit)
            if q.ascending { return (lo + start..<lo + end).map { s.order(ids[$0])! } }
            return (start..<end).map { s.order(ids[hi - 1 - $0])! }
        }
        let all = matching(store: s, query: q, stopAfter: q.sort == .id && q.ascending ? start + q.limit : nil)
        guard start < all.count else { return [] }
        return Array(all[start..<min(all.count, start + q.limit)])
    }

    /// All orders matching the filters, sorted (the status index, the date_modified index or
    /// the id range narrow the candidates before anything is scanned).
    func matching(store s: StoreData, query q: OrderQuery, stopAfter: Int? = nil) -> [SandboxOrder] {
        let stop = stopAfter ?? Int.max
        var result: [SandboxOrder] = []
        var sortedByID = true
        if let status = q.statusID {
            let ids = s.idsByStatus[status] ?? []
            let lo = q.minID.map { m in ids.lowerBound { $0 < m } } ?? 0
            let hi = q.maxID.map { m in ids.lowerBound { $0 <= m } } ?? ids.count
            if lo < hi {
                for id in ids[lo..<hi] {
                    if let o = s.order(id), q.matches(o, configuration: configuration) { result.append(o) }
                    if result.count >= stop { break }
                }
            }
        } else if q.minDateModified != nil || q.maxDateModified != nil {
            sortedByID = false
            for k in s.ids(modifiedFrom: q.minDateModified, to: q.maxDateModified) {
                if let o = s.order(k.id), q.matches(o, configuration: configuration) { result.append(o) }
            }
            if q.sort == .date_modified && q.ascending { return result }  // already (date_modified, id) order
        } else {
            let range = s.positions(minID: q.minID, maxID: q.maxID)
            let orders = s.orders
            for i in range where q.matches(orders[i], configuration: configuration) {
                result.append(orders[i])
                if result.count >= stop { break }
            }
        }
        if q.sort == .id {
            if !sortedByID { result.sort { $0.id < $1.id } }
            if !q.ascending { result.reverse() }
        } else {
            result.sort { q.precedes($0, $1) }
        }
        return result
    }

    // MARK: - Store API writes

    struct ShipmentRequest {
        var orderAddressID: Int
        var items: [(orderProductID: Int, quantity: Int)]
        var trackingNumber = "", shippingProvider = "", trackingCarrier = "", trackingLink = "", shippingMethod = "", comments = ""
        var merchantShippingCost = SandboxMoney.zero
    }

    /// Validates and creates a shipment; moves the order to Shipped (2) when every physical item
    /// is shipped, else Partially Shipped (3).
    func createShipment(store s: StoreData, orderID: Int, _ req: ShipmentRequest) throws -> SandboxShipment {
        guard let o = s.order(orderID) else { throw SandboxError(status: 404, "The requested resource was not found.") }
        guard let address = o.shippingAddresses.first(where: { $0.id == req.orderAddressID }) else {
            throw SandboxError(status: 400, "The field 'order_address_id' is invalid: order \(orderID) has no shipping address \(req.orderAddressID).")
        }
        guard !req.items.isEmpty else { throw SandboxError(status: 400, "The field 'items' is invalid: at least one item is required.") }
        var wanted: [Int: Int] = [:]
        for it in req.items {
            guard it.quantity > 0 else { throw SandboxError(status: 400, "The field 'quantity' is invalid: it must be greater than 0.") }
            guard let line = o.lines.first(where: { $0.id == it.orderProductID }) else {
                throw SandboxError(status: 400, "The field 'order_product_id' is invalid: order \(orderID) has no product \(it.orderProductID).")
            }
            guard line.type == .physical, line.orderAddressID == address.id else {
                throw SandboxError(status: 400, "The field 'order_product_id' is invalid: product \(line.id) does not ship to address \(address.id).")
            }
            wanted[line.id, default: 0] += it.quantity
            if line.quantityShipped + wanted[line.id]! > line.quantity {
                throw SandboxError(status: configuration.overShippingStatus,
                    "The quantity specified is greater than the quantity of the product that is available to ship (order product \(line.id): \(line.quantity - line.quantityShipped) left).")
            }
        }
        let t = now()
        let updated = s.update(orderID) { ord in
            for i in ord.lines.indices { if let q = wanted[ord.lines[i].id] { ord.lines[i].quantityShipped += q } }
            ord.dateModified = t
            if ord.shippedPhysicalQuantity >= ord.shippableQuantity {
                ord.statusID = SandboxOrderStatus.shipped
                ord.dateShipped = t
            } else {
                ord.statusID = SandboxOrderStatus.partiallyShipped
            }
        }!
        let items = req.items.map { it in
            SandboxShipmentItem(orderProductID: it.orderProductID, productID: updated.lines.first { $0.id == it.orderProductID }!.productID, quantity: it.quantity)
        }
        let sh = SandboxShipment(
            id: s.nextShipmentID, orderID: orderID, customerID: o.customerID, orderAddressID: address.id, dateCreated: t,
            trackingNumber: req.trackingNumber, shippingMethod: req.shippingMethod, shippingProvider: req.shippingProvider,
            trackingCarrier: req.trackingCarrier, trackingLink: req.trackingLink, comments: req.comments,
            merchantShippingCost: req.merchantShippingCost, billingAddress: o.billingAddress, shippingAddress: address.address, items: items)
        s.nextShipmentID += 1
        s.shipments[orderID, default: []].append(sh)
        return sh
    }

    /// `PUT /orders/{id}`: status, archive flag and notes; `date_modified` moves to now.
    func updateOrder(store s: StoreData, id: Int, statusID: Int?, isDeleted: Bool?, staffNotes: String?, customerMessage: String?) throws -> SandboxOrder {
        if let st = statusID, !SandboxOrderStatus.isValid(st) {
            throw SandboxError(status: 400, "The field 'status_id' is invalid.")
        }
        let t = now()
        guard let o = s.update(id, { o in
            if let st = statusID { o.statusID = st }
            if let d = isDeleted { o.isDeleted = d }
            if let n = staffNotes { o.staffNotes = n }
            if let m = customerMessage { o.customerMessage = m }
            o.dateModified = t
        }) else { throw SandboxError(status: 404, "The requested resource was not found.") }
        return o
    }

    // MARK: - Tokens

    /// Issues a token for a store without going through OAuth (for tests that skip the flow).
    public func issueToken(store: String, scopes: [String]? = nil) throws -> String {
        _ = try data(store)
        let token = Self.randomToken(31)
        tokens[token] = SandboxToken(token: token, store: store, scopes: scopes ?? configuration.scopes, revoked: false)
        return token
    }

    /// Revokes one token (later calls get 401).
    public func revokeToken(_ token: String) throws {
        guard tokens[token] != nil else { throw SandboxError.notFound("No such token.") }
        tokens[token]!.revoked = true
    }

    public func tokens(store: String) -> [SandboxToken] { tokens.values.filter { $0.store == store }.sorted { $0.token < $1.token } }

    func revokeAll(store: String) {
        for (k, v) in tokens where v.store == store { tokens[k]!.revoked = true }
    }

    static func randomToken(_ n: Int) -> String {
        let chars = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var g = SystemRandomNumberGenerator()
        return String((0..<n).map { _ in chars[Int(g.next() % UInt64(chars.count))] })
    }

    // MARK: - OAuth

    /// Stores whose owner signs in with this email.
    func stores(ownedBy email: String) -> [String] {
        storeOrder.filter { stores[$0]!.ownerEmail.lowercased() == email.lowercased() }
    }

    func signIn(email: String, password: String, externalInstall: Bool) -> String? {
        guard password == configuration.ownerPassword, !stores(ownedBy: email).isEmpty else { return nil }
        let id = Self.randomToken(24)
        sessions[id] = Session(email: email, created: now(), externalInstall: externalInstall)
        return id
    }

    func session(_ id: String) -> Session? { sessions[id] }

    /// Confirm on the install page: a fresh single-use code for the store.
    func confirmInstall(session id: String, store: String) -> String? {
        guard let sess = sessions[id], stores(ownedBy: sess.email).contains(store), let s = stores[store] else { return nil }
        let code = Self.randomToken(16)
        codes[code] = Code(store: store, scopes: configuration.scopes, issuedMs: nowMs(), used: false)
        s.installed = true
        return code
    }

    struct TokenGrant { let token: String; let store: String; let scopes: [String]; let ownerID: Int; let ownerEmail: String }

    /// Exchanges a code (already checked: client id, secret, redirect_uri). Errors carry
    /// (HTTP status, OAuth error, description).
    func exchange(code: String, context: String?) -> Result<TokenGrant, OAuthFailure> {
        guard var c = codes[code] else { return .failure(.init(status: 400, error: "invalid_grant", description: "The authorization code is invalid.")) }
        if c.used { return .failure(.init(status: 400, error: "invalid_grant", description: "The authorization code has already been used.")) }
        c.used = true
        codes[code] = c
        if nowMs() - c.issuedMs >= configuration.codeLifetime.milliseconds {
            return .failure(.init(status: 400, error: "invalid_grant", description: "The authorization code has expired."))
        }
        if let context, context != "stores/\(c.store)" {
            return .failure(.init(status: 400, error: "invalid_request", description: "The context does not match the authorization code."))
        }
        guard let s = stores[c.store] else { return .failure(.init(status: 400, error: "invalid_grant", description: "The store no longer exists.")) }
        // One OAuth token per store and app: a re-install replaces the previous one.
        for (k, v) in tokens where v.store == c.store && !v.revoked && v.token.hasPrefix("oa") { tokens[k]!.revoked = true }
        let token = "oa" + Self.randomToken(29)
        tokens[token] = SandboxToken(token: token, store: c.store, scopes: c.scopes, revoked: false)
        return .success(TokenGrant(token: token, store: c.store, scopes: c.scopes, ownerID: s.ownerID, ownerEmail: s.ownerEmail))
    }

    struct OAuthFailure: Error { let status: Int; let error: String; let description: String }

    /// Marks a store uninstalled and revokes its tokens; returns the JWT claims' inputs.
    func uninstallStore(_ store: String) throws -> (ownerID: Int, ownerEmail: String) {
        let s = try data(store)
        s.installed = false
        revokeAll(store: store)
        return (s.ownerID, s.ownerEmail)
    }

    func owner(of store: String) throws -> (ownerID: Int, ownerEmail: String) {
        let s = try data(store)
        return (s.ownerID, s.ownerEmail)
    }

    // MARK: - Faults

    /// Adds a fault; it fires on matching requests until its trigger is spent or it is removed.
    @discardableResult
    public func injectFault(_ fault: SandboxFault) -> SandboxFaultID {
        let id = nextFaultID
        nextFaultID += 1
        var remaining: Int? = nil
        var seed: UInt64 = 0
        switch fault.trigger {
        case .nextRequests(let n): remaining = max(0, n)
        case .probability(_, let s): seed = s
        }
        faults[id] = ActiveFault(fault: fault, remaining: remaining, rng: SandboxRandom(seed: seed), fired: 0)
        return SandboxFaultID(rawValue: id)
    }

    public func removeFault(_ id: SandboxFaultID) { faults[id.rawValue] = nil }
    public func removeAllFaults() { faults.removeAll() }
    /// How many times a fault fired (nil once removed).
    public func timesFired(_ id: SandboxFaultID) -> Int? { faults[id.rawValue]?.fired }
    public func activeFaults() -> [(id: SandboxFaultID, fault: SandboxFault, remaining: Int?, fired: Int)] {
        faults.keys.sorted().map { (SandboxFaultID(rawValue: $0), faults[$0]!.fault, faults[$0]!.remaining, faults[$0]!.fired) }
    }

    /// Picks the fault (if any) for this request, oldest first, spending its trigger.
    func takeFault(store: String?, endpoint: SandboxEndpoint) -> SandboxFault.Kind? {
        for id in faults.keys.sorted() {
            var f = faults[id]!
            if let st = f.fault.store, st != store { continue }
            if let e = f.fault.endpoint, e != endpoint { continue }
            if case .mutationBetweenPages = f.fault.kind, endpoint != .listOrders { continue }
            switch f.fault.trigger {
            case .nextRequests:
                guard let r = f.remaining, r > 0 else { continue }
                f.remaining = r - 1
            case .probability(let p, _):
                guard f.rng.unit() < p else { faults[id] = f; continue }
            }
            f.fired += 1
            faults[id] = f
            return f.fault.kind
        }
        return nil
    }

    /// Applies a listing mutation after a page was served.
    func applyMutation(_ m: SandboxListingMutation, store s: StoreData, served: [Int]) {
        let t = now()
        switch m {
        case .touchServedOrders(let n):
            for id in served.prefix(n) { s.update(id) { $0.dateModified = t + 1 } }
        case .changeStatusOfServedOrders(let n, let to):
            for id in served.prefix(n) { s.update(id) { $0.statusID = to; $0.dateModified = t } }
        case .createOrders(let n):
            var r = SandboxRandom(seed: UInt64(s.nextOrderID))
            for _ in 0..<n { s.insert(SandboxSeeder.order(&r, statusID: SandboxOrderStatus.awaitingFulfillment, created: t)) }
        }
    }

    // MARK: - The gate every store API request passes

    enum GateDecision {
        case proceed(StoreData, fault: SandboxFault.Kind?)
        case reject(status: Int, message: String, rateHeaders: Bool)
        case fault(SandboxFault.Kind)
    }

    /// Store lookup, fault selection, rate limiting and authentication, in that order.
    /// Injected 429/5xx/resets do not consume quota.
    func gate(store hash: String, token: String?, endpoint: SandboxEndpoint) -> (GateDecision, SandboxRateLimit) {
        let windowMs = configuration.rateLimitWindow.milliseconds
        guard let s = stores[hash] else {
            let rl = SandboxRateLimit(windowMs: windowMs, resetMs: windowMs, quota: configuration.defaultQuota, left: configuration.defaultQuota)
            count(store: nil, endpoint)
            let status = configuration.unknownStoreStatus.rawValue
            return (.reject(status: status, message: status == 404 ? "The requested resource was not found." : "You don't have permission to access this store.", rateHeaders: true), rl)
        }
        count(store: hash, endpoint)
        let quota = s.quota ?? configuration.defaultQuota
        let clock = ContinuousClock.now
        if let start = s.windowStart, clock - start < configuration.rateLimitWindow {
        } else {
            s.windowStart = clock
            s.usedInWindow = 0
        }
        let resetMs = max(0, (configuration.rateLimitWindow - (clock - s.windowStart!)).milliseconds)
        var rl = SandboxRateLimit(windowMs: windowMs, resetMs: resetMs, quota: quota, left: max(0, quota - s.usedInWindow))
        let fault = takeFault(store: hash, endpoint: endpoint)
        switch fault {
        case .rateLimited?, .serverError?, .connectionReset?: return (.fault(fault!), rl)
        default: break
        }
        if s.usedInWindow >= quota {
            if configuration.rateLimitEnabled {
                s.quotaViolations += 1
                return (.reject(status: 429, message: "You have exceeded the rate limit for this store. Wait \(resetMs) ms and try again.", rateHeaders: true), rl)
            }
        }
        s.usedInWindow += 1
        rl.left = max(0, quota - s.usedInWindow)
        guard let token, !token.isEmpty else {
            return (.reject(status: 401, message: "You must supply an access token (X-Auth-Token).", rateHeaders: true), rl)
        }
        guard let t = tokens[token], t.store == hash, !t.revoked else {
            return (.reject(status: 401, message: "The access token is invalid or has been revoked for this store.", rateHeaders: true), rl)
        }
        return (.proceed(s, fault: fault), rl)
    }

    func count(store: String?, _ endpoint: SandboxEndpoint) {
        counts[endpoint, default: 0] += 1
        if let store { storeCounts[store, default: [:]][endpoint, default: 0] += 1 }
    }

    func record(method: String, path: String, store: String?, endpoint: SandboxEndpoint, status: Int, fault: String?) {
        sequence += 1
        let r = SandboxRequestRecord(sequence: sequence, time: now(), method: method, path: path, store: store, endpoint: endpoint.name, status: status, fault: fault)
        let cap = max(1, configuration.requestLogCapacity)
        if log.count < cap { log.append(r) } else { log[logHead] = r; logHead = (logHead + 1) % cap }
    }

    // MARK: - Read-back

    /// Requests per endpoint (all stores), including refused and faulted ones.
    public func requestCounts() -> [SandboxEndpoint: Int] { counts }
    /// Requests per endpoint for one store.
    public func requestCounts(store: String) -> [SandboxEndpoint: Int] { storeCounts[store] ?? [:] }
    /// Total requests to one store.
    public func totalRequests(store: String) -> Int { (storeCounts[store] ?? [:]).values.reduce(0, +) }
    /// Requests refused with 429 because the store's quota was spent (injected 429s excluded).
    public func quotaViolations(store: String) throws -> Int { try data(store).quotaViolations }
    /// The most recent requests, oldest first (at most `requestLogCapacity`).
    public func requestLog() -> [SandboxRequestRecord] {
        log.count < max(1, configuration.requestLogCapacity) ? log : Array(log[logHead...] + log[..<logHead])
    }
    /// Clears the counters and the log (not the quota windows).
    public func resetCounters() {
        counts = [:]; storeCounts = [:]; log = []; logHead = 0
        for s in stores.values { s.quotaViolations = 0 }
    }
    /// The rate-limit figures a request to this store would see now, without consuming quota.
    public func rateLimit(store: String) throws -> SandboxRateLimit {
        let s = try data(store)
        let quota = s.quota ?? configuration.defaultQuota
        let windowMs = configuration.rateLimitWindow.milliseconds
        guard let start = s.windowStart, ContinuousClock.now - start < configuration.rateLimitWindow else {
            return .init(windowMs: windowMs, resetMs: windowMs, quota: quota, left: quota)
        }
        return .init(windowMs: windowMs, resetMs: (configuration.rateLimitWindow - (ContinuousClock.now - start)).milliseconds, quota: quota, left: max(0, quota - s.usedInWindow))
    }
    /// Starts a fresh quota window for the store (tests that spend a quota on purpose).
    public func resetQuotaWindow(store: String) throws {
        let s = try data(store)
        s.windowStart = nil
        s.usedInWindow = 0
    }
    public func customStatusLabels(store: String) throws -> [Int: String] { try data(store).customLabels }
    public func ownerEmail(store: String) throws -> String { try data(store).ownerEmail }
    public func isInstalled(store: String) throws -> Bool { try data(store).installed }
}
