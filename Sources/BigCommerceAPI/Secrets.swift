/// An API access token (`X-Auth-Token`). It can be passed around, stored and compared, but
/// printing it in any way — `description`, `debugDescription`, string interpolation, `dump`,
/// a logger's metadata — shows `AccessToken(redacted)`. Read the value only where it is sent
/// or encrypted, through ``revealedValue``, so every such place is easy to find.
public struct AccessToken: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private let value: String

    /// Wraps a token string, e.g. one decrypted from storage.
    public init(_ value: String) { self.value = value }

    /// The token itself. Only for the request header and for encrypted storage.
    public var revealedValue: String { value }

    public var description: String { "AccessToken(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    public init(from decoder: any Decoder) throws {
        self.value = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    /// Compares in constant time, so a comparison cannot leak how much of a guess was right.
    public static func == (lhs: AccessToken, rhs: AccessToken) -> Bool {
        constantTimeEquals(Array(lhs.value.utf8), Array(rhs.value.utf8))
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}

/// The app's OAuth client secret: signs callbacks and authenticates the token exchange.
/// Redacted in every printed form, like ``AccessToken``.
public struct ClientSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    /// Wraps the secret read from a credential file.
    public init(_ value: String) { self.value = value }

    /// The secret itself. Only for signing and the token request body.
    public var revealedValue: String { value }

    public var description: String { "ClientSecret(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// Compares two byte sequences without an early exit, so timing does not reveal the position of
/// the first difference. Lengths are not secret (signatures have a fixed length).
func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
    return difference == 0
}
