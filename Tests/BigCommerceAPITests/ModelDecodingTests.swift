import Foundation
import Testing

@testable import BigCommerceAPI

@Suite("Decoding the reference's JSON")
struct ModelDecodingTests {
    let decoder = JSONDecoder()

    @Test("an order from a list: links, empty date_shipped, string money, unknown fields")
    func orderWithLinks() throws {
        let order = try decoder.decode(Order.self, from: Fixtures.loadJSON(ModelFixtures.orderWithLinks))
        #expect(order.id == 100)
        #expect(order.statusID == 11)
        #expect(order.customStatus == "Ready to pack")
        #expect(order.dateCreated == BigCommerceDateFormat.parseRFC2822("Tue, 05 Mar 2019 21:40:11 +0000"))
        #expect(order.dateShipped == nil)
        #expect(order.subtotalIncTax == Decimal(string: "361.95"))
        #expect(order.totalIncTax == Decimal(string: "371.95"))
        #expect(order.currencyExchangeRate == 1)
        #expect(order.paymentProviderID == nil)
        #expect(order.creditCardType == nil)  // null is "absent"
        #expect(order.billingAddress?.zip == "78701")
        #expect(order.billingAddress?.countryISO2 == "US")
        #expect(order.consignments == nil)
        #expect(order.externalID == nil)
        #expect(order.channelID == 1)
    }

    @Test("an order with embedded consignments and older type variations")
    func orderWithConsignments() throws {
        let order = try decoder.decode(Order.self, from: Fixtures.loadJSON(ModelFixtures.orderWithConsignments))
        #expect(order.paymentProviderID == "12345")
        #expect(order.creditCardType == .object([:]))
        #expect(order.dateShipped == BigCommerceDateFormat.parseRFC2822("Tue, 02 Jan 2024 09:15:00 +0000"))
        #expect(order.totalIncTax == Decimal(string: "924.47"))
        #expect(order.totalExTax == 900)
        #expect(order.itemsTotal == 2)
        #expect(order.isDeleted == false)
        let consignments = try #require(order.consignments)
        #expect(consignments.shipping.count == 1)
        let shipping = consignments.shipping[0]
        #expect(shipping.address.id == 7)
        #expect(shipping.address.address.zip == "LS1 1AA")
        #expect(shipping.address.shippingMethod == "Flat Rate")
        let lines = try #require(shipping.lineItems)
        #expect(lines.map(\.id) == [501, 502])
        #expect(lines.map(\.weight) == [Decimal(string: "0.5"), Decimal(string: "1.25")])
        #expect(lines[1].productOptions.first?.displayValue == "M")
    }

    @Test("consignments as an array of objects are merged; a line_items link means not embedded")
    func consignmentVariants() throws {
        let json = """
            {"id": 5, "status_id": 11, "date_created": "Tue, 05 Mar 2019 21:40:11 +0000",
             "consignments": [{"shipping": [{"id": 1, "line_items": {"url": "u", "resource": "/r"}}]}, {"shipping": [{"id": 2, "line_items": []}]}]}
            """
        let order = try decoder.decode(Order.self, from: Fixtures.loadJSON(json))
        let consignments = try #require(order.consignments)
        #expect(consignments.shipping.map(\.address.id) == [1, 2])
        #expect(consignments.shipping[0].lineItems == nil)
        #expect(consignments.shipping[1].lineItems == [])
    }

    @Test("order products: weight as string or number, bundle children")
    func products() throws {
        let lines = try decoder.decode([OrderProduct].self, from: Fixtures.loadJSON(ModelFixtures.products))
        #expect(lines.count == 2)
        #expect(lines[0].weight == Decimal(string: "1.5"))
        #expect(lines[0].parentOrderProductID == nil)
        #expect(lines[0].priceIncTax == Decimal(string: "10.8"))
        #expect(lines[0].binPickingNumber == "A-3")
        #expect(lines[1].weight == 2)
        #expect(lines[1].parentOrderProductID == 1)
        #expect(lines[1].isBundledProduct)
        #expect(lines[1].type == "physical")
    }

    @Test("shipping addresses, statuses, shipments")
    func otherResources() throws {
        let addresses = try decoder.decode([OrderShippingAddress].self, from: Fixtures.loadJSON(ModelFixtures.shippingAddresses))
        #expect(addresses.first?.id == 7)
        #expect(addresses.first?.address.street2 == "Unit 4")
        #expect(addresses.first?.shippingZoneName == "United States")

        let statuses = try decoder.decode([OrderStatus].self, from: Fixtures.loadJSON(ModelFixtures.statuses))
        #expect(statuses.map(\.id) == [0, 11, 2])
        #expect(statuses[1].customLabel == "Ready to pack")
        #expect(statuses[1].sortOrder == 3)
        #expect(statuses[2].sortOrder == 8)

        let shipment = try decoder.decode(Shipment.self, from: Fixtures.loadJSON(ModelFixtures.shipment))
        #expect(shipment.id == 12)
        #expect(shipment.items == [ShipmentItem(orderProductID: 1, quantity: 2).with(productID: 9)])
        #expect(shipment.generatedTrackingLink.hasSuffix("1Z999"))
    }

    @Test("a new shipment encodes with the wire names and omits unset fields")
    func newShipmentEncoding() throws {
        let shipment = NewShipment(orderAddressID: 7, items: [ShipmentItem(orderProductID: 1, quantity: 2)], trackingNumber: "1Z999", shippingProvider: "ups")
        let object = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(shipment))
        #expect(
            object
                == .object([
                    "order_address_id": .number(7), "tracking_number": .string("1Z999"), "shipping_provider": .string("ups"),
                    "items": .array([.object(["order_product_id": .number(1), "quantity": .number(2)])]),
                ]))
    }

    @Test("bad money and bad dates fail with the field's path, not its value")
    func strictWhereItMatters() throws {
        let badMoney = #"{"id": 1, "status_id": 11, "date_created": "Tue, 05 Mar 2019 21:40:11 +0000", "total_inc_tax": "12abc"}"#
        #expect(throws: DecodingError.self) { try decoder.decode(Order.self, from: Fixtures.loadJSON(badMoney)) }
        let badDate = #"[{"id": 1, "status_id": 11, "date_created": "yesterday"}]"#
        do {
            _ = try decoder.decode([Order].self, from: Fixtures.loadJSON(badDate))
            Issue.record("should fail")
        } catch let error as DecodingError {
            let (path, reason) = ResponseInterpreter.describe(error)
            #expect(path == "[0].date_created")
            #expect(!reason.contains("yesterday"))
        }
    }

    @Test("the token response decodes into a redacted token and a store hash")
    func tokenResponse() throws {
        let token = try decoder.decode(OAuthToken.self, from: Fixtures.loadJSON(ModelFixtures.tokenResponse))
        #expect(token.accessToken.revealedValue == "FAKE-TOKEN-VALUE-123")
        #expect(token.storeHash.rawValue == "g5cd38")
        #expect(token.scopes == ["store_v2_orders", "store_channel_listings_read_only"])
        #expect(token.owner?.id == 12345)
        #expect(!String(describing: token).contains("FAKE-TOKEN"))
        #expect(!String(reflecting: token).contains("FAKE-TOKEN"))
    }
}

extension ShipmentItem {
    func with(productID: Int) -> ShipmentItem {
        var copy = self
        copy.productID = productID
        return copy
    }
}
