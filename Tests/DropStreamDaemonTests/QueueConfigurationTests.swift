import Foundation
import Testing

@testable import DropStreamDaemon

/// The queue and shipment keys (issue 6): defaults, and refusals that name the key.
@Suite struct QueueConfigurationTests {
    func load(_ yaml: String) throws -> DaemonConfiguration {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dropstreamd-q-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try ConfigurationLoader(overrides: .init(configPath: path), environment: ["HOME": "/home/op"], userID: 1000).load()
    }

    @Test func defaults() throws {
        let configuration = try load("")
        #expect(configuration.queueDefaultLease == .seconds(600))
        #expect(configuration.queueMaxLease == .seconds(86400))
        #expect(configuration.queueRescueInterval == .seconds(15))
        #expect(configuration.shipmentsPushInterval == .seconds(2))
        #expect(configuration.shipmentsMaxAttempts == 20)
        #expect(configuration.bigCommerceRequestTimeout == .seconds(30))
        #expect(configuration.queueClaimStatusID == 9, "new stores flip to Awaiting Shipment by default")
    }

    @Test(arguments: [("off", nil), ("Awaiting Pickup", 8), ("12", 12), ("awaiting_shipment", 9)] as [(String, Int?)])
    func claimStatusIsReadByIdOrNameOrOff(text: String, expected: Int?) throws {
        #expect(try load("queue:\n  claim_status: \(text)\n").queueClaimStatusID == expected)
    }

    @Test func defaultIntervalsStayUnderAShortStallTimeout() throws {
        let configuration = try load("health:\n  stall_timeout: 2s\n  check_interval: 500ms\n")
        #expect(configuration.queueRescueInterval == .seconds(1))
        #expect(configuration.shipmentsPushInterval == .seconds(1))
    }

    @Test func valuesAreRead() throws {
        let configuration = try load("queue:\n  default_lease: 5m\n  rescue_interval: 1s\nshipments:\n  push_interval: 250ms\n  max_attempts: 3\n")
        #expect(configuration.queueDefaultLease == .seconds(300))
        #expect(configuration.queueRescueInterval == .seconds(1))
        #expect(configuration.shipmentsPushInterval == .milliseconds(250))
        #expect(configuration.shipmentsMaxAttempts == 3)
    }

    @Test(arguments: [
        ("queue:\n  default_lease: 2d\n", "queue.default_lease", "longer than queue.max_lease"),
        ("queue:\n  rescue_interval: 5m\n", "queue.rescue_interval", "shorter than health.stall_timeout"),
        ("shipments:\n  push_interval: soon\n", "shipments.push_interval", "not a duration"),
        ("shipments:\n  max_attempts: 0\n", "shipments.max_attempts", "whole number"),
        ("queue:\n  claim_status: Shipped\n", "queue.claim_status", "cannot be the claim status"),
        ("queue:\n  claim_status: Packing\n", "queue.claim_status", "is not an order status"),
        ("shipments:\n  retry_delay: 1h\n  max_retry_delay: 1m\n", "shipments.retry_delay", "longer than shipments.max_retry_delay"),
    ])
    func invalidValuesNameTheKey(yaml: String, key: String, reason: String) throws {
        let error = #expect(throws: ConfigurationError.self) { try load(yaml) }
        #expect(error?.key == key)
        #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
    }
}
