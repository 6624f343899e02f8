import BigCommerceSandbox
import DropStreamCore
import DropStreamSQLite
import DropStreamStorage
import Foundation
import Logging
import Testing

@testable import DropStreamDaemon

@Suite struct SyncSchedulerTests {
    private func scheduler(_ fixture: SyncFixture, health: HealthMonitor) -> SyncScheduler {
        SyncScheduler(
            database: fixture.database,
            settings: SyncSettings(pollInterval: .milliseconds(200), storeRefreshInterval: .milliseconds(200), failureBackoff: .milliseconds(50)),
            health: health, logger: Logger(label: "test"), makeClient: fixture.makeClient)
    }

    @Test func aRevokedStoreStopsWhileTheOtherKeepsSyncingOnSchedule() async throws {
        let fixture = try await SyncFixture.make()
        defer { Task { await fixture.tearDown() } }
        let good = try await fixture.addStore("two1", orders: 300, seed: 1)
        let revoked = try await fixture.addStore("two2", orders: 300, seed: 2)
        try await fixture.sandbox.state.revokeToken(try #require(fixture.token("two2")))
        let health = HealthMonitor(stallTimeout: .seconds(30))
        let scheduler = scheduler(fixture, health: health)
        let running = Task { try await scheduler.run() }
        defer { running.cancel() }

        try await eventually("the revoked store needs re-authorization") {
            try await fixture.database.store(id: revoked.id)?.state == .needsReauthorization
        }
        try await eventually("the good store has had three passes") {
            try await fixture.database.syncRuns(storeId: good.id).filter { $0.outcome == .succeeded }.count >= 3
        }
        #expect(await scheduler.syncedStoreIDs() == [good.id])
        // A new order in the good store arrives on schedule.
        let created = try await fixture.sandbox.state.createOrder(store: "two1", lines: [("LATE", 1)])
        try await eventually("the new order is queued") {
            try await fixture.database.order(storeId: good.id, externalOrderId: String(created.id)) != nil
        }
        try await fixture.expectConverged(good)
        #expect(try await fixture.database.syncRuns(storeId: revoked.id).count == 1)
        #expect(await health.assess().isHealthy)
    }

    @Test func syncersStartAndStopAsStoresChange() async throws {
        let fixture = try await SyncFixture.make()
        defer { Task { await fixture.tearDown() } }
        let first = try await fixture.addStore("ch1", orders: 100, seed: 1)
        let health = HealthMonitor(stallTimeout: .seconds(30))
        let scheduler = scheduler(fixture, health: health)
        let running = Task { try await scheduler.run() }
        defer { running.cancel() }
        try await eventually("the first store is synced") { await scheduler.syncedStoreIDs() == [first.id] }

        let second = try await fixture.addStore("ch2", orders: 100, seed: 2)
        await scheduler.storesChanged()
        try await eventually("the second store starts") { await scheduler.syncedStoreIDs() == [first.id, second.id] }
        try await eventually("the second store converges") {
            try await fixture.queueOpenIDs(second) == fixture.sandboxImportIDs("ch2")
        }

        _ = try await fixture.database.setStoreState(first.id, to: .paused)
        await scheduler.storesChanged()
        try await eventually("the paused store stops") { await scheduler.syncedStoreIDs() == [second.id] }

        // On demand, with the result.
        let report = try #require(await scheduler.syncNow(storeId: second.id, full: true, wait: true))
        #expect(report.outcome == .succeeded && report.kind == .full)

        running.cancel()
        _ = try? await running.value
        #expect(await scheduler.syncedStoreIDs().isEmpty)
    }
}
