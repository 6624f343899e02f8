/// Where a fulfillment order is in the warehouse queue (DESIGN §4).
///
/// A closed set: the database's `CHECK(state IN (...))` is generated from `allCases`, so a new
/// state needs a migration. Each case documents who moves an order out of it.
public enum OrderState: String, CaseIterable, Codable, Sendable, Hashable {
    /// In the queue. The warehouse claims it; the syncer cancels it if the store does.
    case ready
    /// Needs an operator (unknown SKU, address problem, changed after claim). The operator releases it.
    case held
    /// A worker holds a lease. The worker ships or releases it; the rescuer returns an expired lease to `ready`.
    case claimed
    /// The warehouse confirmed shipment. The shipment pusher delivers it to the store; terminal for the queue.
    case shipped
    /// The store cancelled, refunded or declined it, or it left the import status before being claimed. Terminal.
    case cancelled

    /// States from which nothing moves the order any more.
    public var isTerminal: Bool { self == .shipped || self == .cancelled }
}
