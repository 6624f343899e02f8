import struct Foundation.Date

/// An order as the sync engine saw it in the store, ready to be upserted into the queue.
///
/// Upserts are idempotent on `(store, externalOrderID, dateModified)` (DESIGN §5): seeing the
/// same order with the same modification time again changes nothing.
public struct ImportedOrder: Sendable, Hashable {
    /// The store's order id (BigCommerce order id, as text so other platforms fit).
    public var externalOrderID: String
    /// The store-side status id (0...14 on BigCommerce).
    public var storeStatusID: Int
    /// The store's own `date_modified`: the idempotency key of an update.
    public var dateModified: Date
    /// Lines, address, shipping method, customer message.
    public var payload: OrderPayload
    /// When set, a *new* order enters the queue `held` with this reason (for example an unknown
    /// SKU); ignored for orders already known.
    public var holdReason: String?

    public init(
        externalOrderID: String, storeStatusID: Int, dateModified: Date, payload: OrderPayload,
        holdReason: String? = nil
    ) {
        self.externalOrderID = externalOrderID
        self.storeStatusID = storeStatusID
        self.dateModified = dateModified
        self.payload = payload
        self.holdReason = holdReason
    }
}

/// A known order that left the import status in the store: cancelled, refunded, declined, or
/// shipped/completed by the merchant elsewhere (DESIGN §4, `cancelled`).
public struct StoreSideCancellation: Sendable, Hashable {
    /// The store's order id.
    public var externalOrderID: String
    /// The store-side status the order moved to; recorded in the event.
    public var storeStatusID: Int
    /// The store's `date_modified` of that change.
    public var dateModified: Date
    /// A short human reason for the history ("cancelled in store", "shipped elsewhere").
    public var reason: String

    public init(externalOrderID: String, storeStatusID: Int, dateModified: Date, reason: String) {
        self.externalOrderID = externalOrderID
        self.storeStatusID = storeStatusID
        self.dateModified = dateModified
        self.reason = reason
    }
}
