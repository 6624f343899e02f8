import Foundation
import Testing

@testable import DropStreamCore

@Suite struct DomainTypesTests {
    @Test func eventActorsReadAsTheHistoryShowsThem() {
        #expect(EventActor.worker("dock-3").rawValue == "worker:dock-3")
        #expect(EventActor.operator(uid: 1000).rawValue == "operator:1000")
        #expect(EventActor.sync.rawValue == "sync")
    }

    @Test func eventKindsAndActorsEncodeAsPlainStrings() throws {
        let data = try JSONEncoder().encode([OrderEventKind.changedAfterClaim])
        #expect(String(decoding: data, as: UTF8.self) == #"["changed_after_claim"]"#)
        // An unknown kind written by a newer build still decodes.
        let decoded = try JSONDecoder().decode([OrderEventKind].self, from: Data(#"["teleported"]"#.utf8))
        #expect(decoded == [OrderEventKind(rawValue: "teleported")])
    }

    @Test func payloadRoundTripsThroughJSON() throws {
        let payload = OrderPayload(
            lines: [OrderLine(lineID: "1", sku: nil, name: "Gift card", quantity: 1, isPhysical: false)],
            shippingAddress: ShippingAddress(firstName: "A", lastName: "B", street1: "1 St", city: "C", zip: "1",
                                             country: "United States", countryISO2: "US"),
            shippingMethod: "Free Shipping", customerMessage: "Leave at the door")
        let decoded = try JSONDecoder().decode(OrderPayload.self, from: JSONEncoder().encode(payload))
        #expect(decoded == payload)
    }

    @Test func closedSetsKeepTheirWireNames() {
        #expect(ShipmentState.allCases.map(\.rawValue) == ["pending", "pushing", "delivered", "failed"])
        #expect(SyncPassKind.allCases.map(\.rawValue) == ["full", "incremental"])
        #expect(SKURuleKind.allCases.map(\.rawValue) == ["map", "kit", "ignore"])
    }
}
