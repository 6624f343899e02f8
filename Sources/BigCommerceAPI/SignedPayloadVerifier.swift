import Crypto
import Foundation

/// Verifies what BigCommerce signs with the app's client secret: the `signed_payload_jwt` of
/// the load, uninstall and remove-user callbacks, and the legacy `signed_payload`.
public struct SignedPayloadVerifier: Sendable {
    public let clientID: String
    private let clientSecret: ClientSecret
    /// Tolerance on `exp` and `nbf` for clock differences between BigCommerce and this host.
    public let allowedClockSkew: Duration

    public init(credentials: AppCredentials, allowedClockSkew: Duration = .seconds(60)) {
        self.clientID = credentials.clientID
        self.clientSecret = credentials.clientSecret
        self.allowedClockSkew = allowedClockSkew
    }

    /// Verifies a `signed_payload_jwt`: HS256 (or HS512) over the client secret, compared in
    /// constant time; `aud` must be the client id; `exp` and `nbf` must hold within the skew;
    /// `sub` must be `stores/{hash}`. `iss` is not checked (the official clients do not).
    public func verifyJWT(_ jwt: String, now: Date = Date()) throws(SignedPayloadError) -> SignedPayloadClaims {
        let parts = jwt.trimmingWhitespace().split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64.decodeURLSafe(parts[0]), let payloadBytes = Base64.decodeURLSafe(parts[1])
        else { throw .malformed }
        guard let header = try? JSONDecoder().decode(JOSEHeader.self, from: Data(headerBytes)) else { throw .malformed }
        // An empty or undecodable signature is simply a wrong one (e.g. an `alg: none` token).
        let signature = Base64.decodeURLSafe(parts[2]) ?? []

        let signingInput = Array(parts[0].utf8) + [UInt8(ascii: ".")] + Array(parts[1].utf8)
        let key = SymmetricKey(data: Array(clientSecret.revealedValue.utf8))
        let expected: [UInt8]
        switch header.alg {
        case "HS256": expected = Array(HMAC<SHA256>.authenticationCode(for: signingInput, using: key))
        case "HS512": expected = Array(HMAC<SHA512>.authenticationCode(for: signingInput, using: key))
        default: throw .unsupportedAlgorithm(String(header.alg.prefix(10)))
        }
        guard constantTimeEquals(expected, signature) else { throw .badSignature }

        let claims: SignedPayloadClaims
        do {
            claims = try JSONDecoder().decode(SignedPayloadClaims.self, from: Data(payloadBytes))
        } catch {
            throw .malformed
        }
        guard claims.audience == clientID else { throw .wrongAudience }
        let skew = TimeInterval(allowedClockSkew.components.seconds)
        guard now.timeIntervalSince(claims.expiresAt) <= skew else { throw .expired }
        if let notBefore = claims.notBefore, notBefore.timeIntervalSince(now) > skew { throw .notYetValid }
        return claims
    }

    /// Verifies a legacy `signed_payload`: `base64(json) + "." + base64(hex(HMAC-SHA256(secret, json)))`,
    /// where the HMAC covers the decoded JSON and the signature decodes to a lowercase hex digest.
    public func verifyLegacy(_ signedPayload: String) throws(SignedPayloadError) -> LegacySignedPayload {
        let parts = signedPayload.trimmingWhitespace().split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let json = Base64.decodeLenient(parts[0]), let signature = Base64.decodeLenient(parts[1])
        else { throw .malformed }
        let key = SymmetricKey(data: Array(clientSecret.revealedValue.utf8))
        let digest = HMAC<SHA256>.authenticationCode(for: json, using: key)
        let expectedHex = Array(digest.map { String(format: "%02x", $0) }.joined().utf8)
        // Hex case is not part of the secret; normalise so an upper-case digest is accepted.
        let givenHex = signature.map { $0 >= 0x41 && $0 <= 0x46 ? $0 + 0x20 : $0 }
        guard constantTimeEquals(expectedHex, givenHex) else { throw .badSignature }
        do {
            return try JSONDecoder().decode(LegacySignedPayload.self, from: Data(json))
        } catch {
            throw .malformed
        }
    }

    private struct JOSEHeader: Decodable {
        var alg: String
    }
}

/// Why a signed payload was refused. Never includes the payload.
public enum SignedPayloadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not a JWT / not base64 / not the expected JSON.
    case malformed
    /// The JWT header names an algorithm other than HS256/HS512 (e.g. `none`).
    case unsupportedAlgorithm(String)
    /// The signature does not match the client secret.
    case badSignature
    /// `aud` is not this app's client id.
    case wrongAudience
    /// `exp` has passed (beyond the allowed skew).
    case expired
    /// `nbf` is in the future (beyond the allowed skew).
    case notYetValid

    public var description: String {
        switch self {
        case .malformed: "signed payload is malformed"
        case .unsupportedAlgorithm(let name): "signed payload uses unsupported algorithm '\(name)'"
        case .badSignature: "signed payload signature does not match the app's client secret"
        case .wrongAudience: "signed payload is addressed to a different app (aud)"
        case .expired: "signed payload has expired"
        case .notYetValid: "signed payload is not valid yet (nbf)"
        }
    }
}

/// The claims of a verified `signed_payload_jwt`.
public struct SignedPayloadClaims: Sendable, Decodable {
    /// `aud`: the app's client id.
    public var audience: String
    /// `iss`, normally `bc`.
    public var issuer: String?
    public var issuedAt: Date?
    public var notBefore: Date?
    public var expiresAt: Date
    /// `jti`: unique per payload (usable for replay detection).
    public var jwtID: String?
    /// `sub`: `stores/{hash}`.
    public var subject: String
    /// The store, parsed from ``subject``.
    public var storeHash: StoreHash
    public var user: OAuthUser?
    public var owner: OAuthUser?
    /// Deep link inside the app, e.g. `/`.
    public var url: String?
    public var channelID: Int?

    public init(from decoder: any Decoder) throws {
        let fields = try LenientFields(decoder)
        audience = try fields.string("aud")
        issuer = try fields.optionalString("iss")
        issuedAt = try fields.optionalInt("iat").map { try Self.numericDate($0, "iat", decoder) }
        notBefore = try fields.optionalInt("nbf").map { try Self.numericDate($0, "nbf", decoder) }
        expiresAt = try Self.numericDate(try fields.int("exp"), "exp", decoder)
        jwtID = try fields.optionalString("jti")
        subject = try fields.string("sub")
        storeHash = try StoreHash(context: subject)
        user = try fields.optional(OAuthUser.self, "user")
        owner = try fields.optional(OAuthUser.self, "owner")
        url = try fields.optionalString("url")
        channelID = try fields.optionalInt("channel_id")
    }
}

extension SignedPayloadClaims {
    /// A JWT NumericDate (seconds since 1970) between 1970 and the year 9999. An absurd `exp`
    /// (say Int.max) would otherwise make a token that never expires.
    static func numericDate(_ seconds: Int, _ name: String, _ decoder: any Decoder) throws -> Date {
        guard (0...253_402_300_799).contains(seconds) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [WireKey(name)], debugDescription: "NumericDate out of range."))
        }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}

/// The content of a verified legacy `signed_payload`.
public struct LegacySignedPayload: Sendable, Decodable {
    public var user: OAuthUser?
    public var owner: OAuthUser?
    /// `stores/{hash}`.
    public var context: String
    public var storeHash: StoreHash
    /// When BigCommerce signed it.
    public var timestamp: Date?

    public init(from decoder: any Decoder) throws {
        let fields = try LenientFields(decoder)
        user = try fields.optional(OAuthUser.self, "user")
        owner = try fields.optional(OAuthUser.self, "owner")
        context = try fields.string("context")
        if let hash = try fields.optionalString("store_hash"), !hash.isEmpty {
            storeHash = try StoreHash(parsing: hash)
        } else {
            storeHash = try StoreHash(context: context)
        }
        timestamp = (try? fields.container.decode(Double.self, forKey: WireKey("timestamp"))).map { Date(timeIntervalSince1970: $0) }
    }
}

/// Base64 decoding for both alphabets, with or without padding.
enum Base64 {
    /// Base64url without padding (JWT).
    static func decodeURLSafe(_ text: Substring) -> [UInt8]? {
        guard !text.contains("+"), !text.contains("/") else { return nil }
        return decodeLenient(text)
    }

    /// Either alphabet, padding optional.
    static func decodeLenient(_ text: Substring) -> [UInt8]? {
        var standard = String(text).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.hasSuffix("=") { standard.removeLast() }
        guard !standard.isEmpty else { return nil }
        let remainder = standard.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { standard += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: standard).map(Array.init)
    }

    /// Base64url without padding.
    static func encodeURLSafe(_ bytes: some Sequence<UInt8>) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }
}
