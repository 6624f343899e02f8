/// The filters, sort and paging of `GET /orders` and `GET /orders/count` (bigcommerce-api.md §1).
public struct OrderQuery: Sendable, Hashable {
    public enum SortField: String, Sendable, CaseIterable {
        case id, customer_id, date_created, date_modified, status_id, channel_id, external_id
    }

    public var minID: Int?, maxID: Int?
    public var minTotal: SandboxMoney?, maxTotal: SandboxMoney?
    public var customerID: Int?
    public var email: String?
    public var statusID: Int?
    public var cartID: String?
    public var paymentMethod: String?
    public var minDateCreated: SandboxTimestamp?, maxDateCreated: SandboxTimestamp?
    public var minDateModified: SandboxTimestamp?, maxDateModified: SandboxTimestamp?
    public var channelID: Int?
    public var externalOrderID: String?
    /// nil = the default listing (archived hidden unless configured otherwise); true = only archived.
    public var isDeleted: Bool?
    public var sort: SortField = .id
    public var ascending = true
    public var page = 1
    public var limit = 50

    public init() {}

    /// True when no filter other than status and id bounds is set.
    var isStatusAndIDOnly: Bool {
        minTotal == nil && maxTotal == nil && customerID == nil && email == nil && cartID == nil && paymentMethod == nil
            && minDateCreated == nil && maxDateCreated == nil && minDateModified == nil && maxDateModified == nil
            && channelID == nil && externalOrderID == nil
    }

    /// Everything but paging and sort, and the status (applied through the status index).
    func matches(_ o: SandboxOrder, configuration c: SandboxConfiguration) -> Bool {
        if let v = statusID, o.statusID != v { return false }
        if statusID == nil, !c.listsIncompleteOrdersByDefault, o.statusID == SandboxOrderStatus.incomplete { return false }
        if let d = isDeleted {
            if o.isDeleted != d { return false }
        } else if !c.listsArchivedOrdersByDefault, o.isDeleted {
            return false
        }
        if let v = minID, o.id < v { return false }
        if let v = maxID, o.id > v { return false }
        if let v = minDateModified, o.dateModified < v { return false }
        if let v = maxDateModified, o.dateModified > v { return false }
        if let v = minDateCreated, o.dateCreated < v { return false }
        if let v = maxDateCreated, o.dateCreated > v { return false }
        if let v = customerID, o.customerID != v { return false }
        if let v = channelID, o.channelID != v { return false }
        if let v = email, o.billingAddress.email.lowercased() != v.lowercased() { return false }
        if let v = cartID, o.cartID != v { return false }
        if let v = paymentMethod, o.paymentMethod != v { return false }
        if let v = externalOrderID, o.externalOrderID != v { return false }
        if minTotal != nil || maxTotal != nil {
            let t = o.totalIncTax
            if let v = minTotal, t < v { return false }
            if let v = maxTotal, t > v { return false }
        }
        return true
    }

    /// `sort` values compared, ties broken by id ascending so paging is deterministic.
    func precedes(_ a: SandboxOrder, _ b: SandboxOrder) -> Bool {
        func cmp<T: Comparable>(_ x: T, _ y: T) -> Bool? { x == y ? nil : (ascending ? x < y : x > y) }
        let r: Bool?
        switch sort {
        case .id: return ascending ? a.id < b.id : a.id > b.id
        case .customer_id: r = cmp(a.customerID, b.customerID)
        case .date_created: r = cmp(a.dateCreated, b.dateCreated)
        case .date_modified: r = cmp(a.dateModified, b.dateModified)
        case .status_id: r = cmp(a.statusID, b.statusID)
        case .channel_id: r = cmp(a.channelID, b.channelID)
        case .external_id: r = cmp(a.externalOrderID, b.externalOrderID)
        }
        return r ?? (a.id < b.id)
    }
}
