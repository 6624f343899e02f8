import DropStreamCore
import DropStreamDaemon
import Foundation
import Testing

/// `shipping.unmapped` (issue 6): parsed, validated with the key named, overridable by environment.
@Suite struct ShippingPolicyConfigurationTests {
    private func load(environment: [String: String]) throws -> DaemonConfiguration {
        try ConfigurationLoader(
            overrides: .init(), environment: environment.merging(["HOME": "/home/op", "CONFIGURATION_DIRECTORY": "/nonexistent-\(UUID())"]) { a, _ in a },
            userID: 1000
        ).load()
    }

    @Test func defaultsToPass() throws {
        #expect(try load(environment: [:]).sync.unmappedShipping == .pass)
    }

    @Test(arguments: [("hold", UnmappedShippingPolicy.hold), ("default:GROUND", .useDefault(serviceCode: "GROUND")), ("pass", .pass)])
    func parses(text: String, expected: UnmappedShippingPolicy) throws {
        #expect(try load(environment: ["DROPSTREAM_SHIPPING_UNMAPPED": text]).sync.unmappedShipping == expected)
    }

    @Test func refusesAnythingElseNamingTheKey() throws {
        let error = #expect(throws: ConfigurationError.self) { try load(environment: ["DROPSTREAM_SHIPPING_UNMAPPED": "default:"]) }
        #expect(error?.key == "shipping.unmapped")
        #expect(error?.description.contains("'default:CODE'") == true)
    }
}
