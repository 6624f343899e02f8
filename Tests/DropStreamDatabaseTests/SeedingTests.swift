import DropStreamCore
import Foundation
import Testing

@testable import DropStreamSQLite
import DropStreamStorage
import DropStreamTestWorld

@Suite struct SeedingTests {
    @Test(arguments: TestEngine.allCases) func seedOrderHistoryWritesShippedThenReadyOrdersWithTheirHistory(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            // Given a store
            let store = try await seedStore(database)
            // When 25 orders are loaded, 20 of them shipped, in batches of 7
            let written = try await database.seedOrderHistory(
                storeId: store.id, count: 25, shipped: 20, payload: samplePayload(), firstExternalId: 1000, now: t0, batchSize: 7)
            // Then the queue holds 5 ready and 20 shipped orders with ids 1000...1024
            #expect(written == 25)
            let summary = try await database.statusSummary()
            #expect(summary.orders[.ready] == 5 && summary.orders[.shipped] == 20)
            let ready = try await database.claim(limit: 100, worker: "w", lease: .seconds(60), now: at(1))
            #expect(ready.map(\.externalOrderId) == (1020...1024).map(String.init))
            #expect(ready.allSatisfy { $0.payload == samplePayload() })
            // And each order has the history a synced one would have
            let shipped = try #require(try await database.order(storeId: store.id, externalOrderId: "1000"))
            #expect(shipped.state == .shipped && shipped.createdAt == t0)
            #expect(try await database.events(forOrder: shipped.id).map(\.kind) == [.imported, .shipped])
            #expect(try await database.events(forOrder: ready[0].id).map(\.kind) == [.imported, .claimed])
        }
    }

    @Test(arguments: TestEngine.allCases) func seedOrderHistoryRefusesNonsenseAndUnknownStores(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database)
            await #expect(throws: StorageError.self) {
                try await database.seedOrderHistory(storeId: store.id, count: 2, shipped: 3, payload: samplePayload())
            }
            await #expect(throws: StorageError.self) {
                try await database.seedOrderHistory(storeId: store.id + 1, count: 1, shipped: 0, payload: samplePayload())
            }
            // A duplicate external id fails the batch: the schema's UNIQUE key still holds.
            try await database.seedOrderHistory(storeId: store.id, count: 1, shipped: 0, payload: samplePayload())
            await #expect(throws: (any Error).self) {
                try await database.seedOrderHistory(storeId: store.id, count: 1, shipped: 0, payload: samplePayload())
            }
            #expect(try await database.statusSummary().orders[.ready] == 1)
        }
    }
}
