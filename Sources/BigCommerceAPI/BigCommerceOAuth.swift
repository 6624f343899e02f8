import AsyncHTTPClient
import Foundation
import NIOHTTP1

/// The operator's app credentials (Developer Portal): what authorizes the token exchange and
/// signs callbacks.
public struct AppCredentials: Sendable {
    public var clientID: String
    public var clientSecret: ClientSecret

    public init(clientID: String, clientSecret: ClientSecret) {
        self.clientID = clientID
        self.clientSecret = clientSecret
    }
}

/// The app-install half of OAuth: the URL a store owner opens, and the exchange of the auth
/// callback's `code` for a store's access token.
public struct BigCommerceOAuthClient: Sendable {
    public let credentials: AppCredentials
    public let endpoints: BigCommerceEndpoints
    /// Deadline for the token request.
    public let requestTimeout: Duration
    private let exchange: any HTTPExchanging

    public init(
        credentials: AppCredentials, endpoints: BigCommerceEndpoints = .production, httpClient: HTTPClient,
        requestTimeout: Duration = .seconds(30)
    ) {
        self.init(credentials: credentials, endpoints: endpoints, exchange: AsyncHTTPClientExchange(httpClient: httpClient), requestTimeout: requestTimeout)
    }

    init(credentials: AppCredentials, endpoints: BigCommerceEndpoints, exchange: any HTTPExchanging, requestTimeout: Duration) {
        self.credentials = credentials
        self.endpoints = endpoints
        self.exchange = exchange
        self.requestTimeout = requestTimeout
    }

    /// `{login}/app/{client_id}/install`: the external install link the store owner opens.
    public var installURL: String {
        "\(endpoints.loginBaseURL)/app/\(QueryEncoding.escape(credentials.clientID))/install"
    }

    /// Exchanges an auth callback's `code` for the store's token
    /// (`POST {login}/oauth2/token`, JSON body, `grant_type=authorization_code`).
    ///
    /// Not retried: a code is single-use, so a second attempt after a lost answer would fail
    /// anyway. Errors never include the code, the secret or the response body.
    ///
    /// - Parameters:
    ///   - code: the callback's `code` parameter.
    ///   - context: the callback's `context` (`stores/{hash}`).
    ///   - scope: the callback's `scope` (space-separated).
    ///   - redirectURI: the app's registered auth callback URL, exactly.
    public func exchangeCode(code: String, context: String, scope: String, redirectURI: String) async throws -> OAuthToken {
        struct TokenRequest: Encodable {
            var client_id: String
            var client_secret: String
            var code: String
            var context: String
            var scope: String
            var grant_type = "authorization_code"
            var redirect_uri: String
        }
        let body = TokenRequest(
            client_id: credentials.clientID, client_secret: credentials.clientSecret.revealedValue, code: code,
            context: context, scope: scope, redirect_uri: redirectURI)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Accept", value: "application/json")
        let endpoint = "POST /oauth2/token"
        let request = APIRequest(
            method: .POST, url: endpoints.loginBaseURL + "/oauth2/token", endpoint: endpoint, headers: headers,
            body: Array(try JSONEncoder().encode(body)), isIdempotent: false)
        let response: APIResponse
        do {
            response = try await exchange.exchange(request, timeout: requestTimeout, maximumBytes: 1 << 20)
        } catch {
            try Task.checkCancellation()
            throw BigCommerceError.transport(endpoint: endpoint, reason: BigCommerceClient.describeTransportError(error))
        }
        guard (200...299).contains(response.status) else {
            throw ResponseInterpreter.error(for: response, endpoint: endpoint, includeMessage: false)
        }
        return try ResponseInterpreter.decode(OAuthToken.self, from: response, endpoint: endpoint)
    }
}

/// The token endpoint's answer. There is no expiry and no refresh token: the token lasts until
/// the app is uninstalled or its scopes change (then a new auth callback arrives).
public struct OAuthToken: Sendable, Decodable {
    public var accessToken: AccessToken
    /// Space-separated granted scopes.
    public var scope: String
    public var user: OAuthUser?
    public var owner: OAuthUser?
    /// `stores/{hash}`.
    public var context: String
    /// The store the token belongs to, parsed from ``context``.
    public var storeHash: StoreHash
    public var accountUUID: String?

    /// The granted scopes as a set.
    public var scopes: Set<String> { Set(scope.split(separator: " ").map(String.init)) }

    public init(from decoder: any Decoder) throws {
        let fields = try LenientFields(decoder)
        guard let token = try fields.optionalString("access_token"), !token.isEmpty else {
            throw DecodingError.keyNotFound(WireKey("access_token"), .init(codingPath: [], debugDescription: "No access token."))
        }
        accessToken = AccessToken(token)
        scope = try fields.string("scope")
        user = try fields.optional(OAuthUser.self, "user")
        owner = try fields.optional(OAuthUser.self, "owner")
        context = try fields.string("context")
        do {
            storeHash = try StoreHash(context: context)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: [WireKey("context")], debugDescription: "Expected stores/{hash}."))
        }
        accountUUID = try fields.optionalString("account_uuid")
    }
}

/// A BigCommerce user as OAuth responses and signed payloads describe one.
public struct OAuthUser: Sendable, Hashable, Decodable {
    public var id: Int
    public var username: String?
    public var email: String?
    public var locale: String?

    public init(from decoder: any Decoder) throws {
        let fields = try LenientFields(decoder)
        id = try fields.int("id")
        username = try fields.optionalString("username")
        email = try fields.optionalString("email")
        locale = try fields.optionalString("locale")
    }
}
