import DropStreamControl
import DropStreamStorage
import Foundation
import Hummingbird
import Logging
import NIOCore

/// An error the control API reports to its client with a status and a stable code.
struct ControlAPIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var code: String
    var message: String

    static func notFound(_ message: String) -> Self { .init(status: .notFound, code: "not_found", message: message) }
    static func invalid(_ message: String) -> Self { .init(status: .badRequest, code: "invalid_request", message: message) }
    static func forbidden(_ message: String) -> Self { .init(status: .forbidden, code: "forbidden", message: message) }
    static func conflict(_ message: String) -> Self { .init(status: .conflict, code: "conflict", message: message) }
    static func badGateway(_ message: String) -> Self { .init(status: .badGateway, code: "store_error", message: message) }
    static func internalError(_ message: String) -> Self { .init(status: .internalServerError, code: "internal", message: message) }
    static func unavailable(_ message: String) -> Self { .init(status: .serviceUnavailable, code: "unavailable", message: message) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try ControlJSON.response(ControlErrorBody(code: code, message: message), status: status)
    }
}

extension ControlAPIError {
    /// The database's refusals, each already one sentence for the operator.
    init(databaseError error: StorageError) {
        switch error {
        case .duplicateStoreName, .duplicateStoreHash, .storeHasUnfinishedWork, .invalidTransition,
             .notClaimedByWorker, .cancelledInStore, .invalidShipmentTransition:
            self = .conflict(error.description)
        case .storeNotFound, .orderNotFound, .shipmentNotFound:
            self = .notFound(error.description)
        case .invalidStatusID, .invalidArgument:
            self = .invalid(error.description)
        case .newerSchema, .cannotOpen:
            self = .internalError(error.description)
        case .unavailable:
            self = .unavailable(error.description)
        }
    }
}

/// Gives Hummingbird's own refusals (a path no route matches, such as `/v1/orders//hold`) the
/// control API's error shape, so a client always gets `{"code","message"}` on a non-2xx.
struct ControlErrorShapeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            switch error.status {
            case .notFound:
                throw ControlAPIError.notFound("no such control API route: \(request.method) \(request.uri.path)")
            case .contentTooLarge:
                throw ControlAPIError(status: error.status, code: "too_large", message: "the request body is larger than 1 MiB")
            default:
                let code = error.status.code < 500 ? "invalid_request" : "internal"
                throw ControlAPIError(status: error.status, code: code, message: error.body ?? error.status.reasonPhrase)
            }
        }
    }
}

/// JSON bodies in the control API's one encoding (``ControlAPI/makeEncoder()``).
enum ControlJSON {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try ControlAPI.makeEncoder().encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

/// Builds the control API application: Hummingbird on the Unix socket (DESIGN §7).
enum ControlServer {
    static func makeApplication(
        socketPath: String,
        routes: ControlRoutes,
        access: ControlAccessPolicy,
        readiness: Readiness,
        logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router(context: ControlRequestContext.self)
        // First: a middleware applies to the routes added after it, and to "not found".
        router.add(middleware: ControlErrorShapeMiddleware())
        router.add(middleware: ControlAccessMiddleware(policy: access, logger: logger))
        routes.register(on: router)
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("/**", method: method) { request, _ -> Response in
                throw ControlAPIError.notFound("no such control API route: \(request.method) \(request.uri.path)")
            }
        }
        return Application(
            router: router,
            configuration: .init(address: .unixDomainSocket(path: socketPath), serverName: "dropstreamd"),
            onServerRunning: { _ in
                // The socket exists only now; 0660 lets the dropstream group in and nobody else.
                if chmod(socketPath, 0o660) != 0 {
                    logger.error("cannot set the control socket's mode", metadata: ["socket": .string(socketPath), "errno": .stringConvertible(errno)])
                }
                // The control group owns the socket, so its members can connect (DESIGN §7).
                if let gid = access.groupID, chown(socketPath, uid_t.max, gid) != 0 {
                    logger.warning("cannot give the control socket to the control group; only root and the daemon's user can connect", metadata: [
                        "socket": .string(socketPath), "group": .string(access.groupName), "errno": .stringConvertible(errno)])
                }
                logger.info("control socket listening", metadata: ["socket": .string(socketPath)])
                await readiness.mark(.controlSocketListening)
            },
            logger: logger
        )
    }
}
