/// Where a shipment is on its way to the store (DESIGN §2 flow 7).
///
/// A closed set: the database's `CHECK(state IN (...))` is generated from `allCases`, so a new
/// state needs a migration.
public enum ShipmentState: String, CaseIterable, Codable, Sendable, Hashable {
    /// Confirmed by the warehouse, not yet sent. The shipment pusher picks it up.
    case pending
    /// The pusher is sending it. After a crash or an ambiguous failure the pusher checks the
    /// store's existing shipments before sending again, so the store never gets two.
    case pushing
    /// The store accepted it. Terminal.
    case delivered
    /// The store refused it (4xx) or retries ran out; an operator may retry it (back to `pending`).
    case failed
}

/// The kind of a sync pass (DESIGN §5).
public enum SyncPassKind: String, CaseIterable, Codable, Sendable, Hashable {
    /// Lists every order in the import status; heals anything an incremental pass missed.
    case full
    /// Lists orders modified since the watermark (minus an overlap), in all statuses.
    case incremental
}

/// How a sync pass ended.
public enum SyncRunOutcome: String, CaseIterable, Codable, Sendable, Hashable {
    /// Still running, or the daemon died during it.
    case running
    /// Finished; its watermark (if any) is committed.
    case succeeded
    /// Stopped by an error; the watermark did not move.
    case failed
}

/// What a store SKU rule does (DESIGN §2 flow 5).
public enum SKURuleKind: String, CaseIterable, Codable, Sendable, Hashable {
    /// One store SKU becomes one warehouse SKU, quantity multiplied.
    case map
    /// One store SKU becomes several warehouse SKUs (components), quantities multiplied.
    case kit
    /// Never sent to the warehouse (gift wrap, digital items).
    case ignore
}

/// One component of a kit: a warehouse SKU and how many of it one kit contains.
public struct KitComponent: Codable, Sendable, Hashable {
    public var warehouseSKU: String
    public var quantity: Int
    public init(warehouseSKU: String, quantity: Int) {
        self.warehouseSKU = warehouseSKU
        self.quantity = quantity
    }
}

/// One line of a shipment: the store's line id and how many of it ship.
public struct ShipmentItem: Codable, Sendable, Hashable {
    /// The store's id of the order line (`OrderLine.lineID`).
    public var lineID: String
    public var quantity: Int
    public init(lineID: String, quantity: Int) {
        self.lineID = lineID
        self.quantity = quantity
    }
}
