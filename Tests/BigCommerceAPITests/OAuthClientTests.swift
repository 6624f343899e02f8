import AsyncHTTPClient
import Foundation
import Testing

@testable import BigCommerceAPI

@Suite("OAuth install URL and code exchange")
struct OAuthClientTests {
    static let credentials = AppCredentials(clientID: "app-client-1", clientSecret: ClientSecret("app-secret-XYZ"))
    static let endpoints = BigCommerceEndpoints(apiBaseURL: "http://api.test", loginBaseURL: "http://login.test/")

    @Test("the install URL is {login}/app/{client_id}/install")
    func installURL() {
        let client = BigCommerceOAuthClient(credentials: Self.credentials, endpoints: Self.endpoints, exchange: ScriptedExchange([]), requestTimeout: .seconds(5))
        #expect(client.installURL == "http://login.test/app/app-client-1/install")
        #expect(BigCommerceEndpoints.production.loginBaseURL == "https://login.bigcommerce.com")
    }

    @Test("the exchange posts the JSON body BigCommerce documents and returns a typed token")
    func exchange() async throws {
        let exchange = ScriptedExchange([.response(status: 200, body: ModelFixtures.tokenResponse)])
        let client = BigCommerceOAuthClient(credentials: Self.credentials, endpoints: Self.endpoints, exchange: exchange, requestTimeout: .seconds(5))
        let token = try await client.exchangeCode(
            code: "qr6h3thvbvag2ffq", context: "stores/g5cd38", scope: "store_v2_orders", redirectURI: "https://app.example.com/auth")
        #expect(token.storeHash.rawValue == "g5cd38")
        #expect(token.accessToken.revealedValue == "FAKE-TOKEN-VALUE-123")
        let request = try #require(exchange.requests.first)
        #expect(request.url == "http://login.test/oauth2/token")
        #expect(request.method == .POST)
        #expect(request.headers.first(name: "Content-Type") == "application/json")
        let body = try JSONDecoder().decode([String: String].self, from: Data(try #require(request.body)))
        #expect(
            body == [
                "client_id": "app-client-1", "client_secret": "app-secret-XYZ", "code": "qr6h3thvbvag2ffq", "context": "stores/g5cd38",
                "scope": "store_v2_orders", "grant_type": "authorization_code", "redirect_uri": "https://app.example.com/auth",
            ])
    }

    @Test("a refused code surfaces without the code, the secret or the body")
    func refusedCode() async throws {
        let exchange = ScriptedExchange([
            .response(status: 400, body: #"{"error":"invalid code qr6h3thvbvag2ffq for secret app-secret-XYZ"}"#),
            .failure(HTTPClientError.readTimeout),
        ])
        let client = BigCommerceOAuthClient(credentials: Self.credentials, endpoints: Self.endpoints, exchange: exchange, requestTimeout: .seconds(5))
        for _ in 0..<2 {
            do {
                _ = try await client.exchangeCode(code: "qr6h3thvbvag2ffq", context: "stores/g5cd38", scope: "s", redirectURI: "https://a/b")
                Issue.record("should fail")
            } catch {
                let text = String(describing: error) + String(reflecting: error)
                #expect(!text.contains("qr6h3thvbvag2ffq"))
                #expect(!text.contains("app-secret-XYZ"))
                #expect(text.contains("/oauth2/token"))
            }
        }
        #expect(exchange.requests.count == 2)  // no retries
    }
}
