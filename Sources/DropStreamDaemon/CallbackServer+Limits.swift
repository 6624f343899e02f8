import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

// The callback listener faces the internet (through a reverse proxy), so it bounds what one
// client can make it hold: the size of a request head, the size of a body, how long a request
// may take to arrive, and how many connections are open at once.

/// The callback listener's limits (README, "The callback listener").
struct CallbackLimits: Sendable {
    /// A connection must deliver each whole request (head and body) within this long of opening
    /// or of its previous response (`callback.request_timeout`). The idle timeout alone cannot
    /// stop a client that trickles a byte every few seconds.
    var requestTimeout: Duration = .seconds(10)
    /// The most connections open at once; further ones wait in the kernel's backlog (`callback.max_connections`).
    var maxConnections: Int = 256
    /// Every callback is a GET with its data in the query; a body beyond this is refused (413).
    static let maxBodyBytes = 8 * 1024
    /// One header line, URL included (BigCommerce's signed_payload_jwt rides in the query).
    static let maxHeaderFieldBytes = 16 * 1024
    /// The request line and every header together; over it the connection is closed unanswered.
    static let maxHeaderBytes = 32 * 1024
    /// Header lines per request.
    static let maxHeaderCount = 100

    init(requestTimeout: Duration = .seconds(10), maxConnections: Int = 256) {
        self.requestTimeout = requestTimeout
        self.maxConnections = maxConnections
    }

    init(_ configuration: DaemonConfiguration) {
        self.init(requestTimeout: configuration.callbackRequestTimeout, maxConnections: configuration.callbackMaxConnections)
    }

    /// Hummingbird's HTTP/1 server with these limits.
    var http1Configuration: HTTP1Channel.Configuration {
        let timeout = requestTimeout
        return HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestDeadlineHandler(timeout: timeout)],
            idleTimeout: .seconds(30),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: Self.maxHeaderFieldBytes, maxHeaderListSize: Self.maxHeaderBytes,
                maxHeaderFieldCount: Self.maxHeaderCount))
    }
}

/// Closes a connection that has not delivered a whole request within the deadline: the clock
/// starts when the connection opens and again after each response, and stops when a request's
/// last part arrives (the handler's own time is not counted: a token exchange may take a while).
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    /// Requests read whole but not yet answered (a pipelining client may send several).
    private var unanswered = 0

    init(timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        self.timeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { disarm() }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) {
            unanswered += 1
            disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let isEnd = if case .end = unwrapOutboundIn(data) { true } else { false }
        context.write(data, promise: promise)
        if isEnd {
            unanswered = max(0, unanswered - 1)
            // The next request's clock, unless one already arrived and is being answered.
            if unanswered == 0 { arm(context) }
        }
    }

    private func arm(_ context: ChannelHandlerContext) {
        disarm()
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            bound.value.close(promise: nil)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}

/// Refuses a request body over ``CallbackLimits/maxBodyBytes`` with 413 before any route sees
/// it, by its Content-Length or by counting what arrives.
struct CallbackBodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > CallbackLimits.maxBodyBytes {
            throw HTTPError(.contentTooLarge)
        }
        var request = request
        let body = try await request.body.collect(upTo: CallbackLimits.maxBodyBytes)
        request.body = .init(buffer: body)
        return try await next(request, context)
    }
}
