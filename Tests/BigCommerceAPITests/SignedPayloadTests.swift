import Crypto
import Foundation
import Testing

@testable import BigCommerceAPI

@Suite("signed_payload_jwt and legacy signed_payload")
struct SignedPayloadTests {
    static let credentials = AppCredentials(clientID: "test-client-id", clientSecret: ClientSecret("test-client-secret"))
    let verifier = SignedPayloadVerifier(credentials: Self.credentials, allowedClockSkew: .seconds(30))
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    /// Signs like BigCommerce: base64url(header).base64url(claims).base64url(HMAC).
    static func makeJWT(
        claims: [String: Any], secret: String = "test-client-secret", algorithm: String = "HS256"
    ) throws -> String {
        let header = try JSONSerialization.data(withJSONObject: ["alg": algorithm, "typ": "JWT"])
        let payload = try JSONSerialization.data(withJSONObject: claims)
        let signingInput = Base64.encodeURLSafe(header) + "." + Base64.encodeURLSafe(payload)
        let key = SymmetricKey(data: Array(secret.utf8))
        let signature: [UInt8] =
            algorithm == "HS512"
            ? Array(HMAC<SHA512>.authenticationCode(for: Array(signingInput.utf8), using: key))
            : Array(HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: key))
        return signingInput + "." + Base64.encodeURLSafe(signature)
    }

    func claims(aud: String = "test-client-id", nbf: Int = 1_699_999_995, exp: Int = 1_700_086_395, sub: String = "stores/g5cd38")
        -> [String: Any]
    {
        [
            "aud": aud, "iss": "bc", "iat": 1_700_000_000, "nbf": nbf, "exp": exp, "jti": "6a1b5a8c-0000-4000-8000-000000000001",
            "sub": sub, "user": ["id": 9876543, "email": "user@example.com", "locale": "en-US"],
            "owner": ["id": 9876543, "email": "user@example.com"], "url": "/", "channel_id": NSNull(),
        ]
    }

    @Test("a correctly signed JWT verifies and yields the store")
    func validJWT() throws {
        let jwt = try Self.makeJWT(claims: claims())
        let verified = try verifier.verifyJWT(jwt, now: now)
        #expect(verified.storeHash.rawValue == "g5cd38")
        #expect(verified.user?.email == "user@example.com")
        #expect(verified.issuer == "bc")
        #expect(verified.channelID == nil)
        #expect(verified.url == "/")
        #expect(try verifier.verifyJWT(Self.makeJWT(claims: claims(), algorithm: "HS512"), now: now).storeHash.rawValue == "g5cd38")
    }

    @Test("a JWT signed with another secret is refused")
    func wrongSecret() throws {
        let jwt = try Self.makeJWT(claims: claims(), secret: "someone-else")
        #expect(throws: SignedPayloadError.badSignature) { try verifier.verifyJWT(jwt, now: now) }
    }

    @Test("a tampered payload is refused")
    func tampered() throws {
        let jwt = try Self.makeJWT(claims: claims())
        let parts = jwt.split(separator: ".")
        let forged = try JSONSerialization.data(withJSONObject: claims(sub: "stores/evil1"))
        let tampered = "\(parts[0]).\(Base64.encodeURLSafe(forged)).\(parts[2])"
        #expect(throws: SignedPayloadError.badSignature) { try verifier.verifyJWT(tampered, now: now) }
    }

    @Test("alg none and unknown algorithms are refused")
    func algorithmNone() throws {
        let header = Base64.encodeURLSafe(Array(#"{"alg":"none","typ":"JWT"}"#.utf8))
        let payload = Base64.encodeURLSafe(try JSONSerialization.data(withJSONObject: claims()))
        #expect(throws: SignedPayloadError.unsupportedAlgorithm("none")) { try verifier.verifyJWT("\(header).\(payload).", now: now) }
    }

    @Test("wrong audience, expiry and not-before are enforced with the configured skew")
    func claimChecks() throws {
        #expect(throws: SignedPayloadError.wrongAudience) {
            try verifier.verifyJWT(Self.makeJWT(claims: claims(aud: "other-app")), now: now)
        }
        let expired = try Self.makeJWT(claims: claims(exp: 1_699_999_900))
        #expect(throws: SignedPayloadError.expired) { try verifier.verifyJWT(expired, now: now) }
        // Within the skew: 20 s after exp is still accepted, 40 s is not.
        let justExpired = try Self.makeJWT(claims: claims(exp: 1_699_999_980))
        #expect(throws: Never.self) { try verifier.verifyJWT(justExpired, now: now) }
        #expect(throws: SignedPayloadError.expired) { try verifier.verifyJWT(justExpired, now: now + 40) }
        let future = try Self.makeJWT(claims: claims(nbf: 1_700_000_100))
        #expect(throws: SignedPayloadError.notYetValid) { try verifier.verifyJWT(future, now: now) }
        let slightlyFuture = try Self.makeJWT(claims: claims(nbf: 1_700_000_020))
        #expect(throws: Never.self) { try verifier.verifyJWT(slightlyFuture, now: now) }
    }

    @Test("a bad sub is refused", arguments: ["stores/", "store/abc", "stores/a-b"])
    func badSubject(subject: String) throws {
        #expect(throws: SignedPayloadError.malformed) { try verifier.verifyJWT(Self.makeJWT(claims: claims(sub: subject)), now: now) }
    }

    @Test("garbage is malformed", arguments: ["", "a.b", "a.b.c.d", "!!!.???.###", "eyJhbGciOiJIUzI1NiJ9..sig"])
    func garbage(text: String) {
        #expect(throws: SignedPayloadError.self) { try verifier.verifyJWT(text, now: now) }
    }

    static func makeLegacy(json: String, secret: String = "test-client-secret") -> String {
        let key = SymmetricKey(data: Array(secret.utf8))
        let hex = HMAC<SHA256>.authenticationCode(for: Array(json.utf8), using: key).map { String(format: "%02x", $0) }.joined()
        return Data(json.utf8).base64EncodedString() + "." + Data(hex.utf8).base64EncodedString()
    }

    static let legacyJSON =
        #"{"user":{"id":24654,"email":"merchant@example.com"},"owner":{"id":12345,"email":"owner@example.com"},"context":"stores/g5cd38","store_hash":"g5cd38","timestamp":1700000000.123}"#

    @Test("a legacy signed_payload verifies; its HMAC covers the decoded JSON and is hex")
    func legacyValid() throws {
        let payload = try verifier.verifyLegacy(Self.makeLegacy(json: Self.legacyJSON))
        #expect(payload.storeHash.rawValue == "g5cd38")
        #expect(payload.owner?.id == 12345)
        #expect(abs((payload.timestamp?.timeIntervalSince1970 ?? 0) - 1_700_000_000.123) < 0.001)
    }

    @Test("a legacy payload with another secret or altered JSON is refused")
    func legacyForged() throws {
        #expect(throws: SignedPayloadError.badSignature) { try verifier.verifyLegacy(Self.makeLegacy(json: Self.legacyJSON, secret: "x")) }
        let genuine = Self.makeLegacy(json: Self.legacyJSON)
        let signature = genuine.split(separator: ".")[1]
        let altered = Data(Self.legacyJSON.replacingOccurrences(of: "g5cd38", with: "evil99").utf8).base64EncodedString()
        #expect(throws: SignedPayloadError.badSignature) { try verifier.verifyLegacy("\(altered).\(signature)") }
        #expect(throws: SignedPayloadError.malformed) { try verifier.verifyLegacy("not-a-payload") }
    }

    @Test("errors and the verifier never show the secret")
    func noSecretInDescriptions() {
        #expect(!String(describing: verifier).contains("test-client-secret"))
        #expect(!String(reflecting: Self.credentials).contains("test-client-secret"))
        var dumped = ""
        dump(Self.credentials, to: &dumped)
        #expect(!dumped.contains("test-client-secret"))
    }
}
