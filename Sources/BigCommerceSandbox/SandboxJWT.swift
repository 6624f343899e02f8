import Crypto
import Foundation

/// Builds the `signed_payload_jwt` BigCommerce sends to the load/uninstall callbacks
/// (bigcommerce-api.md §6.5): HS256 with the app's client secret.
enum SandboxJWT {
    static func base64URL(_ d: Data) -> String {
        d.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Claims: aud=client_id, iss="bc", iat, nbf=iat, exp=nbf+24h, jti, sub="stores/{hash}",
    /// user{id,email,locale}, owner{id,email}, url, channel_id (null).
    static func make(clientID: String, secret: String, store: String, ownerID: Int, ownerEmail: String, now: SandboxTimestamp, url: String = "/") -> String {
        var h = JSONWriter(capacity: 64)
        h.beginObject(); h.field("typ", "JWT"); h.field("alg", "HS256"); h.endObject()
        var c = JSONWriter(capacity: 512)
        c.beginObject()
        c.field("aud", clientID)
        c.field("iss", "bc")
        c.key("iat"); c.int64(now)
        c.key("nbf"); c.int64(now)
        c.key("exp"); c.int64(now + 86_400)
        c.field("jti", UUID().uuidString.lowercased())
        c.field("sub", "stores/\(store)")
        c.key("user"); c.beginObject(); c.field("id", ownerID); c.field("email", ownerEmail); c.field("locale", "en-US"); c.endObject()
        c.key("owner"); c.beginObject(); c.field("id", ownerID); c.field("email", ownerEmail); c.endObject()
        c.field("url", url)
        c.nullField("channel_id")
        c.endObject()
        let signingInput = base64URL(Data(h.bytes)) + "." + base64URL(Data(c.bytes))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signingInput.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return signingInput + "." + base64URL(Data(mac))
    }

    /// The legacy `signed_payload`: base64(json) + "." + base64(hex(HMAC-SHA256(secret, json))).
    static func legacy(secret: String, store: String, ownerID: Int, ownerEmail: String, now: SandboxTimestamp) -> String {
        var c = JSONWriter(capacity: 256)
        c.beginObject()
        c.key("user"); c.beginObject(); c.field("id", ownerID); c.field("email", ownerEmail); c.endObject()
        c.key("owner"); c.beginObject(); c.field("id", ownerID); c.field("email", ownerEmail); c.endObject()
        c.field("context", "stores/\(store)")
        c.field("store_hash", store)
        c.key("timestamp"); c.raw("\(now).0")
        c.endObject()
        let json = Data(c.bytes)
        let mac = HMAC<SHA256>.authenticationCode(for: json, using: SymmetricKey(data: Data(secret.utf8)))
        let hex = mac.map { String(format: "%02x", $0) }.joined()
        return json.base64EncodedString() + "." + Data(hex.utf8).base64EncodedString()
    }
}

extension SandboxState {
    /// A `{load_callback}?signed_payload_jwt=...` URL as the control panel would open it.
    public func loadCallbackURL(store: String, url: String = "/") throws -> String {
        guard let base = configuration.loadCallbackURL else { throw SandboxError.badRequest("No load callback URL is configured.") }
        let o = try owner(of: store)
        return Self.append(base, params: callbackParams(store: store, ownerID: o.ownerID, ownerEmail: o.ownerEmail, url: url))
    }

    func callbackParams(store: String, ownerID: Int, ownerEmail: String, url: String = "/") -> [(String, String)] {
        let t = now()
        var p = [("signed_payload_jwt", SandboxJWT.make(clientID: configuration.clientID, secret: configuration.clientSecret, store: store,
                                                       ownerID: ownerID, ownerEmail: ownerEmail, now: t, url: url))]
        if configuration.sendsLegacySignedPayload {
            p.append(("signed_payload", SandboxJWT.legacy(secret: configuration.clientSecret, store: store, ownerID: ownerID, ownerEmail: ownerEmail, now: t)))
        }
        return p
    }

    static func append(_ base: String, params: [(String, String)]) -> String {
        let q = params.map { "\($0.0)=\(SandboxHTTP.formEncode($0.1))" }.joined(separator: "&")
        return base + (base.contains("?") ? "&" : "?") + q
    }

    /// Uninstalls the app from a store: revokes its tokens, then calls the uninstall callback
    /// (when configured) with `signed_payload_jwt`. Returns the callback URL called and the
    /// callback's HTTP status (nil when none is configured or it could not be reached).
    @discardableResult
    public func uninstall(store: String) async throws -> SandboxUninstallResult {
        let o = try uninstallStore(store)
        guard let base = configuration.uninstallCallbackURL else { return SandboxUninstallResult(callbackURL: nil, callbackStatus: nil, error: nil) }
        let url = Self.append(base, params: callbackParams(store: store, ownerID: o.ownerID, ownerEmail: o.ownerEmail))
        do {
            let status = try await SandboxHTTP.get(url)
            return SandboxUninstallResult(callbackURL: url, callbackStatus: status, error: nil)
        } catch {
            return SandboxUninstallResult(callbackURL: url, callbackStatus: nil, error: "\(error)")
        }
    }
}

/// What happened when the app was uninstalled.
public struct SandboxUninstallResult: Sendable, Hashable {
    /// The URL called (carries `signed_payload_jwt`).
    public var callbackURL: String?
    /// The callback's HTTP status.
    public var callbackStatus: Int?
    /// Why the callback could not be reached.
    public var error: String?
}
