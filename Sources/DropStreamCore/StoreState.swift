/// The connection state of a store (DESIGN §2, flows 1, 2 and 8).
public enum StoreState: String, CaseIterable, Codable, Sendable, Hashable {
    /// Added by the operator; waits for the store owner to finish OAuth. Only such a store accepts an auth callback.
    case awaitingAuthorization = "awaiting_authorization"
    /// Connected and polled on schedule.
    case active
    /// Connected, but the operator paused polling.
    case paused
    /// The store answered 401: the token was revoked or the app uninstalled and reinstalled. Not polled until re-authorized.
    case needsReauthorization = "needs_reauthorization"
    /// The store owner uninstalled the app, or the operator removed the store. Orders and history are kept.
    case disconnected

    /// Whether the scheduler polls a store in this state.
    public var isPolled: Bool { self == .active }
}
