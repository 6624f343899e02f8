import DropStreamCore
import DropStreamStorage
import Foundation
import Logging
import ServiceLifecycle

/// Returns claimed orders whose lease ran out to the queue (river's job rescuer, DESIGN §4).
///
/// Every `interval` it asks the database to rescue expired leases; each rescued order gets a
/// `lease_expired` event (or `cancelled`, when the store cancelled it meanwhile) in the same
/// transaction. It reports progress to the ``HealthMonitor`` after every round, so a wedged
/// database stops the watchdog pings.
struct LeaseRescuer: Service {
    static let loopName = "lease-rescuer"

    let database: any StorageEngine
    let health: HealthMonitor
    let interval: Duration
    let logger: Logger
    var now: @Sendable () -> Date = Date.init
    var metrics: MetricsRegistry? = nil

    func run() async throws {
        await health.register(loop: Self.loopName)
        defer { Task { [health] in await health.unregister(loop: Self.loopName) } }
        try? await cancelWhenGracefulShutdown {
            while true {
                await rescueOnce()
                await health.reportProgress(loop: Self.loopName)
                try await Task.sleep(for: interval)
            }
        }
    }

    /// One round; returns the rescued orders. Errors are logged, never thrown: the next round tries again.
    @discardableResult
    func rescueOnce() async -> [FulfillmentOrderRecord] {
        do {
            let rescued = try await database.rescueExpiredLeases(now: now())
            if !rescued.isEmpty { metrics?.increment(DaemonMetrics.leaseExpiries, by: rescued.count) }
            for order in rescued {
                logger.notice(
                    order.state == .cancelled ? "lease expired on an order cancelled in the store; order cancelled" : "lease expired; order back in the queue",
                    metadata: ["order_id": .stringConvertible(order.id), "store_order_id": .string(order.externalOrderId)])
            }
            return rescued
        } catch {
            logger.error("lease rescue failed", metadata: ["error": "\(error)"])
            return []
        }
    }
}
