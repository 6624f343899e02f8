/// What happened to an order, as recorded in its history (DESIGN §2 flow 6, §4).
///
/// An open set on purpose (a struct, not an enum): history rows outlive builds, and a new kind
/// must not make older rows undecodable. The well-known kinds are the static members.
public struct OrderEventKind: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// First seen in the import status; entered the queue.
    public static let imported = OrderEventKind(rawValue: "imported")
    /// The store changed the order before it was claimed; the payload was replaced.
    public static let updated = OrderEventKind(rawValue: "updated")
    /// The store changed the order while a worker held it; it stays claimed and is flagged.
    public static let changedAfterClaim = OrderEventKind(rawValue: "changed_after_claim")
    /// The store cancelled the order while a worker held it; it stays claimed and is flagged.
    public static let cancelledInStore = OrderEventKind(rawValue: "cancelled_in_store")
    /// Left the queue for good: cancelled/refunded/declined in the store, or handled elsewhere.
    public static let cancelled = OrderEventKind(rawValue: "cancelled")
    /// A worker took a lease on it.
    public static let claimed = OrderEventKind(rawValue: "claimed")
    /// A worker gave it back.
    public static let released = OrderEventKind(rawValue: "released")
    /// The lease ran out; the rescuer returned it to the queue.
    public static let leaseExpired = OrderEventKind(rawValue: "lease_expired")
    /// Set aside for an operator, with a reason.
    public static let held = OrderEventKind(rawValue: "held")
    /// An operator released a held order back to the queue.
    public static let unheld = OrderEventKind(rawValue: "unheld")
    /// The warehouse confirmed a shipment.
    public static let shipped = OrderEventKind(rawValue: "shipped")
    /// The shipment pusher delivered a shipment to the store.
    public static let shipmentDelivered = OrderEventKind(rawValue: "shipment_delivered")
    /// The store refused a shipment, or delivery failed for good.
    public static let shipmentFailed = OrderEventKind(rawValue: "shipment_failed")
    /// Something went wrong that an operator should see.
    public static let error = OrderEventKind(rawValue: "error")

    public var description: String { rawValue }
}

/// Who caused an order event: `sync`, `rescuer`, `worker:NAME`, `operator:UID`, `store`.
///
/// Kept as text so the history reads well in `orders show` and in plain SQL.
public struct EventActor: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The sync engine (imports, updates, cancellations seen in the store).
    public static let sync = EventActor(rawValue: "sync")
    /// The lease rescuer.
    public static let rescuer = EventActor(rawValue: "rescuer")
    /// The shipment pusher.
    public static let pusher = EventActor(rawValue: "pusher")
    /// The store itself, through a callback (for example the uninstall callback).
    public static let store = EventActor(rawValue: "store")
    /// A warehouse worker, by the name it claims with.
    public static func worker(_ name: String) -> EventActor { EventActor(rawValue: "worker:\(name)") }
    /// A local operator, by Unix user id (from the control socket's peer credentials).
    public static func `operator`(uid: UInt32) -> EventActor { EventActor(rawValue: "operator:\(uid)") }

    public var description: String { rawValue }
}
