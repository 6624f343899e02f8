import DropStreamCore

// Event kinds the storage operations write, shared by every engine.

extension OrderEventKind {
    /// A held order resolved after a SKU rule, shipping rule or the catalog changed; back to `ready`.
    public static let resolved = OrderEventKind(rawValue: "resolved")
}

extension OrderEventKind {
    /// The daemon set the store's order status (the claim flip).
    public static let storeStatusSet = OrderEventKind(rawValue: "store_status_set")
    /// The daemon put the store's order status back to the import status (after a release,
    /// hold or expired lease of a flipped order).
    public static let storeStatusRestored = OrderEventKind(rawValue: "store_status_restored")
    /// A status change was not made because the store showed another status than expected.
    public static let storeStatusLeftAlone = OrderEventKind(rawValue: "store_status_left_alone")
    /// A status change failed for good (store refusal or retries exhausted).
    public static let storeStatusFailed = OrderEventKind(rawValue: "store_status_failed")
}
