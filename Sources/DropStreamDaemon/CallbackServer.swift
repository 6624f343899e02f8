import DropStreamCore
import DropStreamStorage
import Foundation
import Hummingbird
import Logging
import NIOCore

/// The paths of the TCP listener (DESIGN §7): BigCommerce's app callbacks and `/healthz`.
enum CallbackRoutes {
    static let authPath = "/bigcommerce/auth"
    static let loadPath = "/bigcommerce/load"
    static let uninstallPath = "/bigcommerce/uninstall"
    static let healthPath = "/healthz"
    static let metricsPath = "/metrics"
}

/// The TCP listener for BigCommerce's browser and server callbacks and `/healthz`. It binds to
/// loopback by default; put a TLS reverse proxy in front (BigCommerce requires public HTTPS).
enum CallbackServer {
    static func makeApplication(
        listen: ListenAddress,
        limits: CallbackLimits = CallbackLimits(),
        connections: Connections,
        health: HealthMonitor,
        readiness: Readiness,
        metrics: MetricsExposition,
        logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        // First, so it also covers "not found" (an unknown path or method gets a bare 404).
        router.add(middleware: CallbackBodyLimitMiddleware())
        router.get(RouterPath(CallbackRoutes.metricsPath)) { _, _ -> Response in
            let text = await metrics.render()
            return Response(status: .ok, headers: [.contentType: MetricsText.contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get(RouterPath(CallbackRoutes.authPath)) { request, _ -> Response in
            let query = request.uri.queryParameters
            let outcome = await connections.completeAuthorization(
                code: query["code"].map(String.init), scope: query["scope"].map(String.init), context: query["context"].map(String.init)
            )
            return htmlPage(outcome)
        }
        router.get(RouterPath(CallbackRoutes.loadPath)) { request, _ -> Response in
            htmlPage(await connections.load(signedPayloadJWT: request.uri.queryParameters["signed_payload_jwt"].map(String.init)))
        }
        router.get(RouterPath(CallbackRoutes.uninstallPath)) { request, _ -> Response in
            let outcome = await connections.uninstall(signedPayloadJWT: request.uri.queryParameters["signed_payload_jwt"].map(String.init))
            return Response(status: .init(code: outcome.status), headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: outcome.message + "\n")))
        }
        router.get(RouterPath(CallbackRoutes.healthPath)) { _, _ -> Response in
            let assessment = await health.assess()
            let body = assessment.isHealthy ? "ok\n" : "unhealthy: " + assessment.problems.joined(separator: "; ") + "\n"
            return Response(status: assessment.isHealthy ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return Application(
            router: router,
            server: .http1(configuration: limits.http1Configuration),
            configuration: .init(
                address: .hostname(listen.host, port: listen.port), serverName: "dropstreamd",
                availableConnectionsDelegate: .maximum(limits.maxConnections, logger: logger)),
            onServerRunning: { channel in
                logger.info("callback listener running", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "\(listen)")"])
                await readiness.mark(.callbackListenerRunning)
            },
            logger: logger
        )
    }

    /// A small self-contained page; every dynamic string is HTML-escaped.
    static func htmlPage(_ outcome: Connections.CallbackOutcome) -> Response {
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>DropStream: \(escapeHTML(outcome.title))</title>
            <style>body{font-family:sans-serif;max-width:36em;margin:3em auto;line-height:1.4}</style></head>
            <body><h1>\(escapeHTML(outcome.title))</h1><p>\(escapeHTML(outcome.message))</p></body></html>

            """
        return Response(
            status: .init(code: outcome.status),
            headers: [.contentType: "text/html; charset=utf-8", .init("X-Content-Type-Options")!: "nosniff", .init("Content-Security-Policy")!: "default-src 'none'; style-src 'unsafe-inline'"],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    static func escapeHTML(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
