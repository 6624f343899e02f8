/// Why the daemon changes an order's status in the store (DESIGN §2 step 7, the claim flip).
///
/// A closed set: the database's `CHECK(purpose IN (...))` (migration "v2") lists these.
public enum StoreStatusChangePurpose: String, CaseIterable, Codable, Sendable, Hashable {
    /// A worker claimed the order: the store shows the store's claim status (default
    /// Awaiting Shipment, 9), as the reference product does.
    case claim
    /// A flipped order left its claim without shipping (released, held, lease expired): the
    /// store shows the import status again, so nothing in the store says it is being packed.
    case restore
}

/// Where a store status change is (the outbox of ``StoreStatusChangePurpose`` changes).
///
/// A closed set: the database's `CHECK(state IN (...))` (migration "v2") lists these.
public enum StoreStatusChangeState: String, CaseIterable, Codable, Sendable, Hashable {
    /// Written with the transition that wants it; the shipment pusher sends it when due.
    case pending
    /// The request is under way. Left by a crash, it is looked at again (the store is read
    /// first, so repeating it is harmless).
    case sending
    /// The store shows the target status (set by us, or it already did).
    case done
    /// The store showed neither the expected nor the target status (the merchant moved or
    /// cancelled the order): left alone. Terminal.
    case skipped
    /// Made moot before it was sent: a shipment was confirmed, the order was claimed again or
    /// left its claim, or the store's claim status changed. Terminal.
    case superseded
    /// The store refused it, or retries ran out. Terminal; the order's history says why.
    case failed
}
