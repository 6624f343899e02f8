import DropStreamControl
import DropStreamCore
import DropStreamDatabase
import Foundation
import Hummingbird
import Logging

/// The control API's route table (DESIGN §7, STYLE §11): one place lists every route.
struct ControlRoutes: Sendable {
    let database: AppDatabase
    let health: HealthMonitor
    let startedAt: Date
    let logger: Logger

    func register(on router: Router<BasicRequestContext>) {
        router.get(RouterPath(ControlAPI.Path.status)) { _, _ in try await status() }
    }

    /// `GET /v1/status`.
    func status() async throws -> Response {
        let summary: StatusSummary
        do {
            summary = try await database.statusSummary()
        } catch {
            logger.error("status: database read failed", metadata: ["error": "\(error)"])
            throw ControlAPIError.unavailable("the database cannot be read: \(error)")
        }
        let assessment = await health.assess()
        let schema = try await database.schemaVersion()
        let body = StatusResponse(
            version: DropStreamVersion.current,
            pid: getpid(),
            startedAt: startedAt,
            uptimeSeconds: max(0, Int(Date().timeIntervalSince(startedAt))),
            databasePath: database.path,
            databaseSizeBytes: database.fileSize(),
            schemaVersion: schema.number,
            schemaMigration: schema.latestMigration ?? "none",
            storesByState: Dictionary(uniqueKeysWithValues: StoreState.allCases.map { ($0.rawValue, summary.stores[$0] ?? 0) }),
            ordersByState: Dictionary(uniqueKeysWithValues: OrderState.allCases.map { ($0.rawValue, summary.orders[$0] ?? 0) }),
            healthy: assessment.isHealthy,
            healthProblems: assessment.problems
        )
        return try ControlJSON.response(body)
    }
}
