import Synchronization
import Testing
@testable import DropStreamDaemon

/// A clock the test moves by hand, so stall detection is tested without waiting.
final class ManualClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { instant.withLock { $0 } }
    func advance(by duration: Duration) { instant.withLock { $0 += duration } }
}

@Suite struct HealthMonitorTests {

    @Test func aFullDiskIsReportedButDoesNotStopTheWatchdog() async {
        let monitor = HealthMonitor(stallTimeout: .seconds(10))
        await monitor.register(loop: "housekeeping")
        // Given the disk is full: unhealthy, the reason shown, but nothing a restart would fix
        await monitor.reportDatabase(problem: "SQLite error 13: database or disk is full", storage: true)
        var assessment = await monitor.assess()
        #expect(!assessment.isHealthy)
        #expect(assessment.problems == ["database: SQLite error 13: database or disk is full"])
        #expect(assessment.watchdogProblems.isEmpty)
        // When the database wedges instead (a lock held forever), the pings stop
        await monitor.reportDatabase(problem: "SQLite error 5: database is locked")
        assessment = await monitor.assess()
        #expect(assessment.watchdogProblems == ["database: SQLite error 5: database is locked"])
        // And when it works again, all is well
        await monitor.reportDatabase(problem: nil, storage: true)
        assessment = await monitor.assess()
        #expect(assessment.isHealthy && assessment.watchdogProblems.isEmpty)
    }
    @Test func healthyWhileEveryLoopReports() async {
        let clock = ManualClock()
        let monitor = HealthMonitor(stallTimeout: .seconds(10)) { clock.now }
        await monitor.register(loop: "housekeeping")
        await monitor.register(loop: "scheduler")
        clock.advance(by: .seconds(9))
        await monitor.reportProgress(loop: "housekeeping")
        await monitor.reportProgress(loop: "scheduler")
        clock.advance(by: .seconds(9))
        #expect(await monitor.assess().isHealthy)
    }

    @Test func aSilentLoopMakesItUnhealthyAndNamesTheLoop() async {
        let clock = ManualClock()
        let monitor = HealthMonitor(stallTimeout: .seconds(10)) { clock.now }
        await monitor.register(loop: "housekeeping")
        await monitor.register(loop: "scheduler")
        clock.advance(by: .seconds(11))
        await monitor.reportProgress(loop: "housekeeping")
        let assessment = await monitor.assess()
        #expect(!assessment.isHealthy)
        #expect(assessment.problems.count == 1)
        #expect(assessment.problems.first?.hasPrefix("scheduler made no progress") == true)

        await monitor.reportProgress(loop: "scheduler")
        #expect(await monitor.assess().isHealthy)
    }

    @Test func aFailingDatabaseMakesItUnhealthyUntilItRecovers() async {
        let monitor = HealthMonitor(stallTimeout: .seconds(10))
        await monitor.reportDatabase(problem: "disk I/O error")
        #expect(await monitor.assess().problems == ["database: disk I/O error"])
        await monitor.reportDatabase(problem: nil)
        #expect(await monitor.assess().isHealthy)
    }

    @Test func anUnregisteredLoopNoLongerCounts() async {
        let clock = ManualClock()
        let monitor = HealthMonitor(stallTimeout: .seconds(1)) { clock.now }
        await monitor.register(loop: "once")
        await monitor.unregister(loop: "once")
        clock.advance(by: .seconds(5))
        #expect(await monitor.assess().isHealthy)
    }
}

@Suite struct ReadinessTests {
    @Test func waitsForEveryRequirement() async {
        let readiness = Readiness()
        let waiter = Task { await readiness.wait() }
        let requirements = Readiness.Requirement.allCases
        for requirement in requirements.dropLast() {
            await readiness.mark(requirement)
            await readiness.mark(requirement)  // marking twice changes nothing
        }
        await readiness.mark(requirements.last!)
        #expect(await waiter.value)
        #expect(await readiness.wait())
    }

    @Test func cancellationEndsTheWaitWithFalse() async {
        let readiness = Readiness()
        let waiter = Task { await readiness.wait() }
        waiter.cancel()
        #expect(await waiter.value == false)
    }
}
