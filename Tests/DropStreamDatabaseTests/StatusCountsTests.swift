import DropStreamCore
import Foundation
import Testing

@testable import DropStreamSQLite
import DropStreamStorage
import DropStreamTestWorld

@Suite struct StatusCountsTests {
    @Test(arguments: TestEngine.allCases) func queueAndTerminalCountsAgreeWithTheFullSummary(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            // Given a store with a shipped history, ready orders, one claimed and one held, and
            // a second store awaiting authorization
            let store = try await seedStore(database)
            try await database.seedOrderHistory(storeId: store.id, count: 10, shipped: 6, payload: samplePayload(), firstExternalId: 100)
            #expect(try await database.claim(limit: 1, worker: "w", lease: .seconds(60)).count == 1)
            let toHold = try #require(try await database.orders(store: store.id, state: .ready, limit: 1).first)
            _ = try await database.hold(toHold.id, reason: "address", actor: .sync)
            _ = try await database.addStore(name: "other", platform: .bigcommerce, storeHash: "other1")
            // When the STATUS= counts are read
            let counts = try await database.queueStatusCounts()
            // Then they agree with the full summary on every open state and on stores
            let summary = try await database.statusSummary()
            #expect(counts.openOrders == [.ready: 2, .claimed: 1, .held: 1])
            for state in [OrderState.ready, .claimed, .held] { #expect(counts.openOrders[state] == summary.orders[state]) }
            #expect(counts.stores == summary.stores)
            #expect(summary.orders[.shipped] == 6)
            // and the finished orders /metrics counts once a minute agree too
            let terminal = try await database.terminalOrderCounts()
            #expect(terminal == [.shipped: 6, .cancelled: 0])
            for state in [OrderState.shipped, .cancelled] { #expect(terminal[state] == summary.orders[state]) }
        }
    }
}
