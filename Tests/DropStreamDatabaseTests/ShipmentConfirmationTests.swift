import DropStreamCore
import Foundation
import Testing

@testable import DropStreamSQLite
import DropStreamStorage
import DropStreamTestWorld

/// `confirmShipment`: what is left to ship is decided in the same transaction that records it.
@Suite struct ShipmentConfirmationTests {
    /// One claimed order with lines L1 ×2 and L2 ×3 (and a digital line D ×1).
    func claimedOrder(_ database: any StorageEngine) async throws -> Int64 {
        let store = try await seedStore(database)
        var payload = samplePayload()
        payload.lines = [
            OrderLine(lineID: "L1", sku: "A", name: "A", quantity: 2),
            OrderLine(lineID: "L2", sku: "B", name: "B", quantity: 3),
            OrderLine(lineID: "D", sku: "E-BOOK", name: "E-book", quantity: 1, isPhysical: false),
        ]
        try await database.upsertImportedOrder(
            storeId: store.id, ImportedOrder(externalOrderID: "100", storeStatusID: 11, dateModified: t0, payload: payload), now: at(0))
        let claimed = try await database.claim(limit: 1, worker: "w", lease: .seconds(60), now: at(1))
        return try #require(claimed.first).id
    }

    @Test(arguments: TestEngine.allCases) func withoutItemsEverythingPhysicalShipsAndTheOrderIsShipped(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let id = try await claimedOrder(database)
            let result = try await database.confirmShipment(id, trackingNumber: "T1", carrier: "ups", actor: .worker("w"), now: at(2))
            #expect(result.created)
            #expect(result.order.state == .shipped)
            #expect(Set(result.shipment.items) == [ShipmentItem(lineID: "L1", quantity: 2), ShipmentItem(lineID: "L2", quantity: 3)])
        }
    }

    @Test(arguments: TestEngine.allCases) func partialShipmentsCompleteTheOrderOnlyWhenNothingIsLeft(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let id = try await claimedOrder(database)
            let first = try await database.confirmShipment(
                id, trackingNumber: "T1", carrier: "ups", items: [ShipmentItem(lineID: "L2", quantity: 1)], actor: .worker("w"), now: at(2))
            #expect(first.order.state == .claimed)
            await #expect(throws: StorageError.self) {
                try await database.confirmShipment(
                    id, trackingNumber: "T2", carrier: "ups", items: [ShipmentItem(lineID: "L2", quantity: 3)], actor: .worker("w"), now: at(3))
            }
            await #expect(throws: StorageError.self) {
                try await database.confirmShipment(
                    id, trackingNumber: "T2", carrier: "ups", items: [ShipmentItem(lineID: "D", quantity: 1)], actor: .worker("w"), now: at(3))
            }
            await #expect(throws: StorageError.self) {
                try await database.confirmShipment(
                    id, trackingNumber: "T2", carrier: "ups", items: [ShipmentItem(lineID: "nope", quantity: 1)], actor: .worker("w"), now: at(3))
            }
            let rest = try await database.confirmShipment(id, trackingNumber: "T2", carrier: "ups", actor: .worker("w"), now: at(4))
            #expect(rest.order.state == .shipped)
            #expect(Set(rest.shipment.items) == [ShipmentItem(lineID: "L1", quantity: 2), ShipmentItem(lineID: "L2", quantity: 2)])
            #expect(try await database.shipments(forOrder: id).count == 2)
        }
    }

    @Test(arguments: TestEngine.allCases) func theSameConfirmationTwiceReturnsTheFirstShipment(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let id = try await claimedOrder(database)
            let items = [ShipmentItem(lineID: "L1", quantity: 1)]
            let first = try await database.confirmShipment(id, trackingNumber: "T1", carrier: "ups", items: items, actor: .worker("w"), now: at(2))
            let again = try await database.confirmShipment(id, trackingNumber: "T1", carrier: "ups", items: items, actor: .worker("w"), now: at(3))
            #expect(!again.created)
            #expect(again.shipment.id == first.shipment.id)
            #expect(try await database.shipments(forOrder: id).count == 1)
        }
    }

    @Test(arguments: TestEngine.allCases) func concurrentConfirmationsNeverShipALineTwice(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let id = try await claimedOrder(database)
            // 10 workers race to ship L2 ×2 each under different tracking numbers: only one fits.
            let successes = await withTaskGroup(of: Bool.self) { group in
                for n in 0..<10 {
                    group.addTask {
                        (try? await database.confirmShipment(
                            id, trackingNumber: "T\(n)", carrier: "ups", items: [ShipmentItem(lineID: "L2", quantity: 2)],
                            actor: .worker("w"))) != nil
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(successes == 1)
            let shipped = try await database.shipments(forOrder: id).flatMap(\.items).filter { $0.lineID == "L2" }.map(\.quantity).reduce(0, +)
            #expect(shipped == 2)
        }
    }
}
