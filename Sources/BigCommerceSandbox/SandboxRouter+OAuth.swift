import Foundation
import Hummingbird
import NIOCore

extension SandboxRouter {
    /// The "login.bigcommerce.com" surface: install pages and the token endpoint.
    func oauth(_ request: inout Request, context: Context, parts: [String], query: [String: String]) async throws -> Response {
        let c = state.configuration
        let m = request.method
        // /oauth2/token
        if parts == ["oauth2", "token"] {
            guard m == .post else { return Self.json(405, ["error": "invalid_request", "error_description": "Use POST."]) }
            return try await token(&request, context: context)
        }
        if parts == ["login"], m == .post {
            let form = try await Self.form(&request)
            let clientID = form["client_id"] ?? ""
            guard clientID == c.clientID else { return Self.html(404, "Unknown app", "<p>No app with this client id.</p>") }
            let email = form["email"] ?? ""
            let external = form["external_install"] == "1"
            guard let session = await state.signIn(email: email, password: form["password"] ?? "", externalInstall: external) else {
                return Self.html(401, "Sign in", "<p class=\"error\">Invalid email or password.</p>" + signInForm(clientID: clientID, email: email, storeHint: form["store_hash"], external: external))
            }
            let owned = await state.stores(ownedBy: email)
            let hint = form["store_hash"].flatMap { owned.contains($0) ? $0 : nil } ?? owned[0]
            let options = owned.map { "<option value=\"\(SandboxHTTP.html($0))\"\($0 == hint ? " selected" : "")>\(SandboxHTTP.html($0))</option>" }.joined()
            let scopes = c.scopes.map { "<li>\(SandboxHTTP.html($0))</li>" }.joined()
            return Self.html(200, "Confirm installation", """
                <p>The app <b>\(SandboxHTTP.html(c.clientID))</b> requests access to:</p><ul>\(scopes)</ul>
                <form id="confirm" method="post" action="/app/\(SandboxHTTP.formEncode(c.clientID))/install/confirm">
                <input type="hidden" name="session" value="\(session)">
                <label>Store <select name="store_hash">\(options)</select></label>
                <button type="submit" name="action" value="confirm" id="confirm-button">Confirm</button>
                <button type="submit" name="action" value="cancel" id="cancel-button">Cancel</button>
                </form>
                """)
        }
        guard parts.count >= 3, parts[0] == "app", parts[2] == "install" else {
            return Self.html(404, "Not found", "<p>No such page.</p>")
        }
        guard parts[1] == c.clientID else { return Self.html(404, "Unknown app", "<p>No app with this client id.</p>") }
        switch (m, parts.count > 3 ? parts[3] : nil) {
        case (.get, nil):
            return Self.html(200, "Sign in", signInForm(clientID: c.clientID, email: query["email"] ?? "", storeHint: query["store_hash"], external: query["external_install"] == "1"))
        case (.get, "succeeded"?):
            return Self.html(200, "Installation succeeded", "<p>The app is installed.</p>")
        case (.get, "failed"?):
            return Self.html(200, "Installation failed", "<p>The app could not be installed.</p>")
        case (.post, "confirm"?):
            let form = try await Self.form(&request)
            guard let sessionID = form["session"], let session = await state.session(sessionID) else {
                return Self.html(401, "Session expired", "<p>Sign in again.</p>")
            }
            if form["action"] == "cancel" { return Self.html(200, "Installation cancelled", "<p>Nothing was installed.</p>") }
            guard let store = form["store_hash"], let code = await state.confirmInstall(session: sessionID, store: store) else {
                return Self.html(403, "Not allowed", "<p>This account does not own that store.</p>")
            }
            var params = [
                "code=\(code)",
                "scope=\(c.scopes.map(SandboxHTTP.formEncode).joined(separator: "+"))",
                "context=\(SandboxHTTP.formEncode("stores/\(store)"))",
                "account_uuid=\(SandboxHTTP.formEncode(c.accountUUID))",
            ]
            if session.externalInstall { params.append("external_install=1") }
            let location = c.authCallbackURL + (c.authCallbackURL.contains("?") ? "&" : "?") + params.joined(separator: "&")
            return Response(status: .found, headers: [.location: location])
        default:
            return Self.html(405, "Method not allowed", "")
        }
    }

    private func signInForm(clientID: String, email: String, storeHint: String?, external: Bool) -> String {
        """
        <form id="login" method="post" action="/login">
        <input type="hidden" name="client_id" value="\(SandboxHTTP.html(clientID))">
        \(storeHint.map { "<input type=\"hidden\" name=\"store_hash\" value=\"\(SandboxHTTP.html($0))\">" } ?? "")
        \(external ? "<input type=\"hidden\" name=\"external_install\" value=\"1\">" : "")
        <label>Email <input type="email" name="email" value="\(SandboxHTTP.html(email))"></label>
        <label>Password <input type="password" name="password"></label>
        <button type="submit" id="login-button">Sign in</button>
        </form>
        """
    }

    static func form(_ request: inout Request) async throws -> [String: String] {
        var buf = try await request.collectBody(upTo: 1 << 20)
        return SandboxHTTP.decodeForm(Substring(buf.readString(length: buf.readableBytes) ?? ""))
    }

    /// `POST /oauth2/token`, JSON or `application/x-www-form-urlencoded`.
    /// Errors (UNCONFIRMED in the reference) follow RFC 6749: `{"error", "error_description"}`,
    /// 401 `invalid_client` for a wrong client id/secret, 400 otherwise.
    private func token(_ request: inout Request, context: Context) async throws -> Response {
        let c = state.configuration
        if let fault = await state.takeFault(store: nil, endpoint: .oauthToken) {
            await state.count(store: nil, .oauthToken)
            switch fault {
            case .serverError(let s): return Self.json(s, ["error": "server_error", "error_description": "Internal error."])
            case .rateLimited: return Self.json(429, ["error": "rate_limited", "error_description": "Too many requests."])
            case .connectionReset: try await Self.reset(context.channel)
            case .latency(let d): try await Task.sleep(for: d)
            default: break
            }
        } else {
            await state.count(store: nil, .oauthToken)
        }
        var buf = try await request.collectBody(upTo: 1 << 20)
        let raw = buf.readBytes(length: buf.readableBytes) ?? []
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        var f: [String: String] = [:]
        if contentType.contains("json") {
            guard let o = try? JSONSerialization.jsonObject(with: Data(raw)) as? [String: Any] else {
                return Self.json(400, ["error": "invalid_request", "error_description": "The body is not a JSON object."])
            }
            for (k, v) in o { f[k] = v as? String ?? "\(v)" }
        } else if contentType.contains("x-www-form-urlencoded") {
            f = SandboxHTTP.decodeForm(Substring(String(decoding: raw, as: UTF8.self)))
        } else {
            return Self.json(415, ["error": "invalid_request", "error_description": "Send application/json or application/x-www-form-urlencoded."])
        }
        for k in ["client_id", "client_secret", "code", "grant_type", "redirect_uri"] where (f[k] ?? "").isEmpty {
            return Self.json(400, ["error": "invalid_request", "error_description": "The field '\(k)' is required."])
        }
        guard f["client_id"] == c.clientID, f["client_secret"] == c.clientSecret else {
            return Self.json(401, ["error": "invalid_client", "error_description": "Invalid client id or secret."])
        }
        guard f["grant_type"] == "authorization_code" else {
            return Self.json(400, ["error": "unsupported_grant_type", "error_description": "grant_type must be authorization_code."])
        }
        guard f["redirect_uri"] == c.authCallbackURL else {
            return Self.json(400, ["error": "invalid_grant", "error_description": "redirect_uri does not match the registered auth callback URL."])
        }
        switch await state.exchange(code: f["code"]!, context: f["context"]) {
        case .failure(let e):
            return Self.json(e.status, ["error": e.error, "error_description": e.description])
        case .success(let g):
            let user: [String: Any] = ["id": g.ownerID, "username": g.ownerEmail, "email": g.ownerEmail]
            return Self.json(200, [
                "access_token": g.token,
                "scope": g.scopes.joined(separator: " "),
                "user": user,
                "owner": user,
                "context": "stores/\(g.store)",
                "account_uuid": c.accountUUID,
            ])
        }
    }
}
