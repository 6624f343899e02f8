import BigCommerceAPI
import DropStreamCore
import DropStreamSQLite
import DropStreamStorage
import Foundation
import Logging
import Testing

@testable import DropStreamDaemon

/// The shipment pusher's decisions, without a store.
@Suite struct ShipmentPusherTests {
    func pusher(retryDelay: Duration = .seconds(10), maxRetryDelay: Duration = .seconds(900)) throws -> ShipmentPusher {
        ShipmentPusher(
            database: try SQLiteStorage.openInMemory(), health: HealthMonitor(stallTimeout: .seconds(60)),
            settings: .init(interval: .seconds(1), retryDelay: retryDelay, maxRetryDelay: maxRetryDelay, maxAttempts: 5),
            makeClient: { _ in throw CancellationError() }, logger: Logger(label: "test"))
    }

    @Test func backoffDoublesIsCappedAndJittered() throws {
        let pusher = try pusher()
        for attempts in 1...12 {
            let full = min(Duration.seconds(10) * (1 << (attempts - 1)), .seconds(900))
            let wait = pusher.backoff(afterAttempts: attempts)
            #expect(wait >= full / 2 && wait <= full, "attempt \(attempts): \(wait) not in [\(full / 2), \(full)]")
        }
    }

    @Test func onlyFailuresThatMayHaveReachedTheStoreAreLookedFor() {
        #expect(ShipmentPusher.mayHaveLanded(BigCommerceError.ambiguous(endpoint: "POST", reason: "timeout")))
        #expect(ShipmentPusher.mayHaveLanded(BigCommerceError.server(endpoint: "POST", status: 502)))
        #expect(ShipmentPusher.mayHaveLanded(BigCommerceError.decoding(endpoint: "POST", path: "id", reason: "x")))
        #expect(!ShipmentPusher.mayHaveLanded(BigCommerceError.rejected(endpoint: "POST", status: 400, message: nil)))
        #expect(!ShipmentPusher.mayHaveLanded(BigCommerceError.rateLimited(endpoint: "POST", retryAfter: nil)))
        #expect(!ShipmentPusher.mayHaveLanded(BigCommerceError.unauthorized(endpoint: "POST")))
    }

    @Test func bigCommerceProvidersAndOtherCarriers() {
        #expect(ShipmentPusher.carrierFields("UPS") == ("ups", nil))
        #expect(ShipmentPusher.carrierFields("carrier_7") == ("carrier_7", nil))
        #expect(ShipmentPusher.carrierFields("DHL") == ("", "dhl"))
    }
}
