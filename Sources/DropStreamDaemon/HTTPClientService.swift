import AsyncHTTPClient
import BigCommerceAPI
import ServiceLifecycle

/// The one outbound `HTTPClient` every store client shares. It lives as long as the service
/// group: first in the group, so ServiceGroup shuts it down last, after everything that uses it.
final class HTTPClientHandle: Service, Sendable {
    let client: HTTPClient

    init() {
        client = BigCommerceClient.makeHTTPClient()
    }

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
