import DropStreamControl
import DropStreamCore
import DropStreamStorage
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat

/// The control API's route table (DESIGN §7, STYLE §11): one place lists every route.
struct ControlRoutes: Sendable {
    let database: any StorageEngine
    let health: HealthMonitor
    let connections: Connections
    let startedAt: Date
    let logger: Logger
    var queue = QueueSettings()
    /// The sync scheduler, for the sync routes (ControlServer+Sync.swift).
    var scheduler: SyncScheduler? = nil
    var metrics: MetricsRegistry? = nil

    func register(on router: Router<ControlRequestContext>) {
        router.get(RouterPath(ControlAPI.Path.status)) { _, _ in try await status() }
        registerSyncRoutes(on: router)

        let stores = RouterPath(ControlAPI.Path.stores)
        let store = RouterPath(ControlAPI.Path.stores + "/:name")
        router.get(stores) { _, _ in try ControlJSON.response(StoreListResponse(stores: try await connections.list())) }
        router.post(stores) { request, context in
            let body = try await decode(AddStoreRequest.self, from: request)
            return try ControlJSON.response(try await connections.add(body, actor: actor(context)), status: .created)
        }
        router.get(store) { _, context in try ControlJSON.response(try await connections.show(try name(context))) }
        router.patch(store) { request, context in
            let body = try await decode(UpdateStoreRequest.self, from: request)
            return try ControlJSON.response(try await connections.update(try name(context), body, actor: actor(context)))
        }
        router.delete(store) { request, context in
            let query = request.uri.queryParameters
            let response = try await connections.remove(
                try name(context), purge: query["purge"] == "true", force: query["force"] == "true", actor: actor(context))
            return try ControlJSON.response(response)
        }
        router.post(RouterPath(ControlAPI.Path.stores + "/:name/pause")) { request, context in
            try ControlJSON.response(try await connections.pause(try name(context), actor: actor(context)))
        }
        router.post(RouterPath(ControlAPI.Path.stores + "/:name/resume")) { request, context in
            try ControlJSON.response(try await connections.resume(try name(context), actor: actor(context)))
        }
        router.post(RouterPath(ControlAPI.Path.stores + "/:name/authorization")) { request, context in
            try ControlJSON.response(try await connections.startAuthorization(try name(context), actor: actor(context)))
        }
        router.get(RouterPath(ControlAPI.Path.stores + "/:name/authorization")) { _, context in
            try ControlJSON.response(try await connections.authorizationProgress(try name(context)))
        }
        router.get(RouterPath(ControlAPI.Path.stores + "/:name/order-statuses")) { _, context in
            try ControlJSON.response(try await connections.orderStatuses(try name(context), actor: actor(context)))
        }
        registerQueueRoutes(on: router)
        registerRulesRoutes(on: router)
    }

    /// The `:name` path segment, percent-decoded.
    func name(_ context: ControlRequestContext) throws -> String {
        guard let raw = context.parameters.get("name") else { throw ControlAPIError.invalid("missing store name") }
        return raw.removingPercentEncoding ?? raw
    }

    /// Who made a change, for the history: `operator:UID` from the caller's peer credentials.
    private func actor(_ context: ControlRequestContext) -> String { context.operatorActor.rawValue }

    /// Decodes a JSON body (at most 1 MiB) or answers 400 with what was wrong.
    func decode<Body: Decodable>(_ type: Body.Type, from request: Request) async throws -> Body {
        let buffer = try await collectBody(request)
        do {
            return try ControlAPI.makeDecoder().decode(Body.self, from: Data(buffer: buffer))
        } catch {
            throw ControlAPIError.invalid("the request body is not a valid \(Body.self): \(error)")
        }
    }

    /// The whole request body, at most 1 MiB; more is refused (413) in the control API's error shape.
    func collectBody(_ request: Request) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: Self.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw ControlAPIError(status: .contentTooLarge, code: "too_large", message: "the request body is larger than 1 MiB")
        }
    }

    static let maxBodyBytes = 1 << 20

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
            databasePath: database.location,
            databaseSizeBytes: await database.sizeOnDisk(),
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
