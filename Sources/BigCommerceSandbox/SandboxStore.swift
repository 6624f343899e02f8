import Foundation

/// How a store is created through the admin API.
public struct SandboxStoreSpec: Sendable, Hashable {
    public var hash: String
    public var ownerEmail: String
    /// Requests per window; nil = the configuration's default quota.
    public var quota: Int?
    /// Merchant-renamed status labels (`custom_label` / `custom_status`), by status id.
    public var customStatusLabels: [Int: String]

    public init(hash: String, ownerEmail: String? = nil, quota: Int? = nil, customStatusLabels: [Int: String] = [:]) {
        self.hash = hash
        self.ownerEmail = ownerEmail ?? "owner@\(hash).example.com"
        self.quota = quota
        self.customStatusLabels = customStatusLabels
    }
}

/// Errors of admin operations; `status` is the HTTP status the admin API answers with.
public struct SandboxError: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    public var message: String
    public init(status: Int, _ message: String) { self.status = status; self.message = message }
    public var description: String { "\(status): \(message)" }

    static func notFound(_ m: String) -> SandboxError { .init(status: 404, m) }
    static func badRequest(_ m: String) -> SandboxError { .init(status: 400, m) }
}

/// One store's data, confined to the `SandboxState` actor.
///
/// Orders are kept sorted by id (ids only grow, so appends keep the order) with an id → position
/// map, plus two secondary indexes that listing filters use instead of scanning every order:
/// ids per status and `(date_modified, id)` pairs.
final class StoreData {
    let hash: String
    var ownerEmail: String
    let ownerID: Int
    var quota: Int?
    var customLabels: [Int: String]
    var installed = false

    private(set) var orders: [SandboxOrder] = []
    private var position: [Int: Int] = [:]
    private(set) var idsByStatus: [Int: [Int]] = [:]
    private(set) var byModified: [ModifiedKey] = []
    var shipments: [Int: [SandboxShipment]] = [:]
    /// Archived orders; while 0, status listings need no per-order check.
    private(set) var archivedCount = 0

    var nextOrderID = 100
    var nextLineID = 1
    var nextAddressID = 1
    var nextShipmentID = 1
    var nextCouponID = 1

    // Rate limiting: a fixed window per store that starts with the first request after the
    // previous window ended (so X-Rate-Limit-Time-Reset-Ms counts down from the window size).
    var windowStart: ContinuousClock.Instant?
    var usedInWindow = 0
    var quotaViolations = 0

    struct ModifiedKey: Comparable { let modified: SandboxTimestamp; let id: Int
        static func < (l: Self, r: Self) -> Bool { l.modified != r.modified ? l.modified < r.modified : l.id < r.id }
    }

    init(spec: SandboxStoreSpec, ownerID: Int) {
        hash = spec.hash; ownerEmail = spec.ownerEmail; quota = spec.quota; customLabels = spec.customStatusLabels
        self.ownerID = ownerID
    }

    var count: Int { orders.count }
    func order(_ id: Int) -> SandboxOrder? { position[id].map { orders[$0] } }
    func label(_ status: Int) -> String { customLabels[status] ?? SandboxOrderStatus.name(status) }

    /// Assigns ids to the order, its lines, addresses and coupons, and stores it.
    @discardableResult
    func insert(_ o: SandboxOrder) -> SandboxOrder {
        var o = o
        o.id = nextOrderID
        nextOrderID += 1
        var addressMap: [Int: Int] = [:]
        for i in o.shippingAddresses.indices {
            let newID = nextAddressID
            nextAddressID += 1
            addressMap[o.shippingAddresses[i].id] = newID
            o.shippingAddresses[i].id = newID
        }
        let firstAddress = o.shippingAddresses.first?.id ?? 0
        for i in o.lines.indices {
            o.lines[i].id = nextLineID
            nextLineID += 1
            if o.lines[i].type == .physical {
                o.lines[i].orderAddressID = addressMap[o.lines[i].orderAddressID] ?? firstAddress
            } else {
                o.lines[i].orderAddressID = 0
            }
        }
        for i in o.coupons.indices { o.coupons[i].id = nextCouponID; nextCouponID += 1 }
        position[o.id] = orders.count
        orders.append(o)
        if o.isDeleted { archivedCount += 1 }
        insertIndexes(o)
        return o
    }

    /// Changes an order in place and keeps the indexes right.
    @discardableResult
    func update(_ id: Int, _ change: (inout SandboxOrder) throws -> Void) rethrows -> SandboxOrder? {
        guard let p = position[id] else { return nil }
        let old = orders[p]
        var new = old
        try change(&new)
        new.id = old.id
        if old.isDeleted != new.isDeleted { archivedCount += new.isDeleted ? 1 : -1 }
        if new.statusID != old.statusID || new.dateModified != old.dateModified {
            removeIndexes(old)
            insertIndexes(new)
        }
        orders[p] = new
        return new
    }

    private func insertIndexes(_ o: SandboxOrder) {
        idsByStatus[o.statusID, default: []].insertSorted(o.id)
        byModified.insertSorted(ModifiedKey(modified: o.dateModified, id: o.id))
    }

    private func removeIndexes(_ o: SandboxOrder) {
        idsByStatus[o.statusID]?.removeSorted(o.id)
        byModified.removeSorted(ModifiedKey(modified: o.dateModified, id: o.id))
    }

    /// Orders (by position in `orders`) whose id lies in `[minID, maxID]`.
    func positions(minID: Int?, maxID: Int?) -> Range<Int> {
        let lo = minID.map { m in orders.lowerBound { $0.id < m } } ?? 0
        let hi = maxID.map { m in orders.lowerBound { $0.id <= m } } ?? orders.count
        return lo..<max(lo, hi)
    }

    /// Ids of orders with `date_modified` in `[min, max]`.
    func ids(modifiedFrom min: SandboxTimestamp?, to max: SandboxTimestamp?) -> ArraySlice<ModifiedKey> {
        let lo = min.map { m in byModified.lowerBound { $0.modified < m } } ?? 0
        let hi = max.map { m in byModified.lowerBound { $0.modified <= m } } ?? byModified.count
        return byModified[lo..<Swift.max(lo, hi)]
    }
}

extension Array {
    /// First index whose element does not satisfy `isBefore` (the array is partitioned by it).
    func lowerBound(_ isBefore: (Element) -> Bool) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if isBefore(self[mid]) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

extension Array where Element: Comparable {
    mutating func insertSorted(_ e: Element) {
        if let last, last < e { append(e); return }
        insert(e, at: lowerBound { $0 < e })
    }
    mutating func removeSorted(_ e: Element) {
        let i = lowerBound { $0 < e }
        if i < count, self[i] == e { remove(at: i) }
    }
}
