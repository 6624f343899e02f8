import AsyncHTTPClient
import BigCommerceSandbox
import Crypto
import Foundation
import Hummingbird
import Synchronization
import Testing

/// Drives the install pages like a browser: GET install → POST sign-in → POST confirm → 302.
func installFlow(_ h: Harness, email: String, password: String = "sandbox", store: String) async throws -> [String: String] {
    let install = try await h.request(.GET, h.sandbox.installURL)
    #expect(install.status == 200)
    #expect(install.text.contains("<form id=\"login\" method=\"post\" action=\"/login\""))
    let signIn = try await h.request(.POST, h.sandbox.baseURL + "/login",
        body: Array("client_id=\(h.sandbox.state.configuration.clientID)&email=\(email.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&password=\(password)".utf8),
        contentType: "application/x-www-form-urlencoded")
    guard signIn.status == 200 else { return [:] }
    #expect(signIn.text.contains("id=\"confirm\""))
    let session = try #require(signIn.text.firstMatch(of: #/name="session" value="([a-z0-9]+)"/#)?.1)
    let confirm = try await h.request(.POST, h.sandbox.baseURL + "/app/\(h.sandbox.state.configuration.clientID)/install/confirm",
        body: Array("session=\(session)&store_hash=\(store)&action=confirm".utf8), contentType: "application/x-www-form-urlencoded")
    #expect(confirm.status == 302)
    let location = try #require(confirm.header("Location"))
    let callback = h.sandbox.state.configuration.authCallbackURL
    #expect(location.hasPrefix(callback + "?"))
    let comps = URLComponents(string: location)!
    var q: [String: String] = [:]
    // A form-style query: `+` is a space (scope is space-separated, sent with `+`).
    for item in comps.queryItems ?? [] { q[item.name] = item.value?.replacingOccurrences(of: "+", with: " ") }
    #expect(location.contains("context=stores%2F\(store)"))
    return q
}

func exchangeJSON(_ h: Harness, _ fields: [String: String]) async throws -> Reply {
    try await h.request(.POST, h.sandbox.tokenURL, body: Array(try JSONSerialization.data(withJSONObject: fields)), contentType: "application/json")
}

func tokenFields(_ h: Harness, code: String, store: String) -> [String: String] {
    let c = h.sandbox.state.configuration
    return ["client_id": c.clientID, "client_secret": c.clientSecret, "code": code, "context": "stores/\(store)",
            "scope": c.scopes.joined(separator: " "), "grant_type": "authorization_code", "redirect_uri": c.authCallbackURL]
}

@Suite("App OAuth flow over HTTP")
struct OAuthTests {
    static let config = SandboxConfiguration(clientID: "app-123", clientSecret: "s3cret", authCallbackURL: "https://app.example.com/auth", rateLimitEnabled: false)

    @Test("install → sign-in → confirm → redirect with code/scope/context/account_uuid → JSON token exchange → API works")
    func endToEndJSON() async throws {
        try await withHarness(Self.config) { (h: Harness) async throws in
            let q = try await installFlow(h, email: "owner@store1.example.com", store: "store1")
            let code = try #require(q["code"])
            #expect(q["scope"] == "store_v2_orders store_v2_information_read_only")
            #expect(q["context"] == "stores/store1")
            #expect(q["account_uuid"] == Self.config.accountUUID)
            let r = try await exchangeJSON(h, tokenFields(h, code: code, store: "store1"))
            #expect(r.status == 200)
            let o = r.object
            let token = try #require(o["access_token"] as? String)
            #expect(o["context"] as? String == "stores/store1")
            #expect(o["scope"] as? String == "store_v2_orders store_v2_information_read_only")
            #expect(o["account_uuid"] as? String == Self.config.accountUUID)
            #expect((o["user"] as? [String: Any])?["email"] as? String == "owner@store1.example.com")
            #expect((o["owner"] as? [String: Any])?["id"] is Int)
            #expect(o["expires_in"] == nil && o["refresh_token"] == nil)
            #expect(try await h.get("/time", token: token).status == 200)
            #expect(try await h.sandbox.state.isInstalled(store: "store1"))
        }
    }

    @Test("Form-encoded token exchange works too")
    func formEncoded() async throws {
        try await withHarness(Self.config) { (h: Harness) async throws in
            let code = try #require(try await installFlow(h, email: "owner@store1.example.com", store: "store1")["code"])
            let body = tokenFields(h, code: code, store: "store1").map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&")
            let r = try await h.request(.POST, h.sandbox.tokenURL, body: Array(body.utf8), contentType: "application/x-www-form-urlencoded")
            #expect(r.status == 200)
            #expect(r.object["access_token"] is String)
        }
    }

    @Test("A replayed code is refused")
    func replay() async throws {
        try await withHarness(Self.config) { (h: Harness) async throws in
            let code = try #require(try await installFlow(h, email: "owner@store1.example.com", store: "store1")["code"])
            #expect(try await exchangeJSON(h, tokenFields(h, code: code, store: "store1")).status == 200)
            let again = try await exchangeJSON(h, tokenFields(h, code: code, store: "store1"))
            #expect(again.status == 400)
            #expect(again.object["error"] as? String == "invalid_grant")
        }
    }

    @Test("An expired code is refused (the sandbox clock moves past the lifetime)")
    func expired() async throws {
        try await withHarness(Self.config) { (h: Harness) async throws in
            let code = try #require(try await installFlow(h, email: "owner@store1.example.com", store: "store1")["code"])
            await h.sandbox.state.advanceClock(seconds: 301)
            let r = try await exchangeJSON(h, tokenFields(h, code: code, store: "store1"))
            #expect(r.status == 400)
            #expect((r.object["error_description"] as? String)?.contains("expired") == true)
        }
    }

    @Test("Wrong secret, redirect_uri, context and grant type are refused")
    func badRequests() async throws {
        try await withHarness(Self.config) { (h: Harness) async throws in
            let code = try #require(try await installFlow(h, email: "owner@store1.example.com", store: "store1")["code"])
            var f = tokenFields(h, code: code, store: "store1")
            f["client_secret"] = "wrong"
            #expect(try await exchangeJSON(h, f).status == 401)
            f = tokenFields(h, code: code, store: "store1"); f["redirect_uri"] = "https://evil.example.com/auth"
            #expect(try await exchangeJSON(h, f).status == 400)
            f = tokenFields(h, code: code, store: "store1"); f["grant_type"] = "password"
            #expect(try await exchangeJSON(h, f).object["error"] as? String == "unsupported_grant_type")
            f = tokenFields(h, code: code, store: "store1"); f["code"] = nil
            #expect(try await exchangeJSON(h, f).status == 400)
            f = tokenFields(h, code: code, store: "store1"); f["context"] = "stores/other"
            #expect(try await exchangeJSON(h, f).status == 400)
        }
    }

    @Test("A wrong password gets the sign-in page again; an unknown app is 404")
    func signInFailures() async throws {
        try await withHarness(Self.config) { (h: Harness) async throws in
            let r = try await h.request(.POST, h.sandbox.baseURL + "/login", body: Array("client_id=app-123&email=owner%40store1.example.com&password=bad".utf8), contentType: "application/x-www-form-urlencoded")
            #expect(r.status == 401 && r.text.contains("id=\"login\""))
            #expect(try await h.request(.GET, h.sandbox.baseURL + "/app/other/install").status == 404)
        }
    }

    @Test("Uninstall calls the callback with an HS256 signed_payload_jwt and revokes the token")
    func uninstall() async throws {
        let received = Received()
        let router = Router()
        router.get("uninstall") { req, _ -> HTTPResponse.Status in
            received.queries.withLock { $0.append(req.uri.query ?? "") }
            return .ok
        }
        let (ports, cont) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { cont.yield($0.localAddress!.port!); cont.finish() })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var it = ports.makeAsyncIterator()
            let port = try #require(await it.next())
            var config = Self.config
            config.uninstallCallbackURL = "http://127.0.0.1:\(port)/uninstall"
            config.loadCallbackURL = "http://127.0.0.1:\(port)/load"
            try await withHarness(config) { (h: Harness) async throws in
                let result = try await h.sandbox.state.uninstall(store: "store1")
                #expect(result.callbackStatus == 200)
                let q = try #require(received.queries.withLock { $0.first })
                let jwt = try #require(URLComponents(string: "http://x/?\(q)")?.queryItems?.first { $0.name == "signed_payload_jwt" }?.value)
                let claims = try verifyHS256(jwt, secret: "s3cret")
                #expect(claims["aud"] as? String == "app-123")
                #expect(claims["iss"] as? String == "bc")
                #expect(claims["sub"] as? String == "stores/store1")
                let iat = try #require(claims["iat"] as? Int), exp = try #require(claims["exp"] as? Int)
                #expect(exp - iat == 86_400 && claims["nbf"] as? Int == iat)
                #expect(claims["jti"] is String)
                #expect((claims["owner"] as? [String: Any])?["email"] as? String == "owner@store1.example.com")
                #expect((claims["user"] as? [String: Any])?["locale"] is String)
                #expect(throws: (any Error).self) { try verifyHS256(jwt, secret: "other") }
                #expect(try await h.get("/time").status == 401)

                let load = try await h.sandbox.state.loadCallbackURL(store: "store1")
                #expect(load.hasPrefix("http://127.0.0.1:\(port)/load?signed_payload_jwt="))
                let loadJWT = try #require(URLComponents(string: load)?.queryItems?.first?.value)
                #expect(try verifyHS256(loadJWT, secret: "s3cret")["sub"] as? String == "stores/store1")
            }
            group.cancelAll()
        }
    }
}

struct JWTError: Error {}

final class Received: Sendable {
    let queries = Mutex<[String]>([])
}

/// Verifies an HS256 JWT with swift-crypto directly and returns its claims.
func verifyHS256(_ jwt: String, secret: String) throws -> [String: Any] {
    let parts = jwt.split(separator: ".").map(String.init)
    guard parts.count == 3 else { throw JWTError() }
    func b64(_ s: String) throws -> Data {
        var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while t.count % 4 != 0 { t += "=" }
        guard let d = Data(base64Encoded: t) else { throw JWTError() }
        return d
    }
    let header = try JSONSerialization.jsonObject(with: b64(parts[0])) as? [String: Any]
    guard header?["alg"] as? String == "HS256" else { throw JWTError() }
    let ok = HMAC<SHA256>.isValidAuthenticationCode(try b64(parts[2]), authenticating: Data((parts[0] + "." + parts[1]).utf8),
                                                     using: SymmetricKey(data: Data(secret.utf8)))
    guard ok else { throw JWTError() }
    return try JSONSerialization.jsonObject(with: b64(parts[1])) as? [String: Any] ?? [:]
}

@Suite("OAuth extras")
struct OAuthExtraTests {
    @Test("Faults aimed at the token endpoint; the code survives a 5xx")
    func tokenEndpointFault() async throws {
        try await withHarness(OAuthTests.config) { (h: Harness) async throws in
            let code = try #require(try await installFlow(h, email: "owner@store1.example.com", store: "store1")["code"])
            await h.sandbox.state.injectFault(SandboxFault(.serverError(status: 503), endpoint: .oauthToken))
            #expect(try await exchangeJSON(h, tokenFields(h, code: code, store: "store1")).status == 503)
            #expect(try await exchangeJSON(h, tokenFields(h, code: code, store: "store1")).status == 200)
            #expect(await h.sandbox.state.requestCounts()[.oauthToken] == 2)
        }
    }

    @Test("The legacy signed_payload is base64(json).base64(hex(HMAC-SHA256)) when enabled")
    func legacySignedPayload() async throws {
        var config = OAuthTests.config
        config.loadCallbackURL = "https://app.example.com/load"
        config.sendsLegacySignedPayload = true
        try await withHarness(config) { (h: Harness) async throws in
            let url = try await h.sandbox.state.loadCallbackURL(store: "store1")
            let items = URLComponents(string: url)?.queryItems ?? []
            let legacy = try #require(items.first { $0.name == "signed_payload" }?.value)
            let parts = legacy.split(separator: ".").map(String.init)
            #expect(parts.count == 2)
            let json = try #require(Data(base64Encoded: parts[0]))
            let sig = try #require(Data(base64Encoded: parts[1]))
            let mac = HMAC<SHA256>.authenticationCode(for: json, using: SymmetricKey(data: Data("s3cret".utf8)))
            #expect(String(decoding: sig, as: UTF8.self) == mac.map { String(format: "%02x", $0) }.joined())
            let payload = try JSONSerialization.jsonObject(with: json) as? [String: Any]
            #expect(payload?["store_hash"] as? String == "store1")
            #expect(payload?["context"] as? String == "stores/store1")
            #expect(items.contains { $0.name == "signed_payload_jwt" })
        }
    }
}
