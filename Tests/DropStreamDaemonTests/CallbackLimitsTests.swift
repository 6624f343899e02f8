import Foundation
import Testing
@testable import DropStreamDaemon

/// The callback listener's limits (issue 8), against the real daemon over loopback TCP: only
/// the documented routes and methods, bounded heads and bodies, and a deadline for a request
/// to arrive so a slow client cannot hold a connection forever.
@Suite(.serialized) struct CallbackLimitsTests {
    /// A short deadline so the slow-client cases take about a second.
    static let config = ["callback.request_timeout": "1s"]

    @Test func documentedCallbacksStillWork() async throws {
        try await FulfillmentWorld.with(orders: 0, config: Self.config) { world in
            let health = try #require(try RawHTTP.tcp(port: world.callbackPort, method: "GET", target: "/healthz"))
            #expect(health.status == 200)
            #expect(health.bodyText == "ok\n")
            let metrics = try #require(try RawHTTP.tcp(port: world.callbackPort, method: "GET", target: "/metrics"))
            #expect(metrics.status == 200)
            // A load callback without a payload is refused by the route itself, with its page.
            let load = try #require(try RawHTTP.tcp(port: world.callbackPort, method: "GET", target: "/bigcommerce/load"))
            #expect(load.status >= 400, "\(load.status)")
            #expect(load.bodyText.contains("<html"))
            // Two pipelined requests on one connection are both answered.
            let pipelined = try RawHTTPConnection.tcp(port: world.callbackPort)
            defer { pipelined.close() }
            #expect(pipelined.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
            let answers = String(decoding: pipelined.readToEnd(), as: UTF8.self)
            #expect(answers.components(separatedBy: "HTTP/1.1 200").count - 1 == 2, "\(answers)")
            // A small body on a GET is tolerated.
            let small = try #require(try RawHTTP.tcp(port: world.callbackPort, method: "GET", target: "/healthz", body: Array(repeating: 0x20, count: 100)))
            #expect(small.status == 200)
        }
    }

    @Test func unknownRoutesAndMethodsGetABare404() async throws {
        try await FulfillmentWorld.with(orders: 0, config: Self.config) { world in
            for (method, target) in [("DELETE", "/healthz"), ("POST", "/bigcommerce/uninstall"), ("PUT", "/bigcommerce/auth"),
                                     ("GET", "/no/such/route?secret=1"), ("GET", "/../../etc/passwd"), ("PATCH", "/metrics"),
                                     ("OPTIONS", "/healthz"), ("TRACE", "/healthz"), ("HEAD", "/bigcommerce/load")] {
                let response = try #require(try RawHTTP.tcp(port: world.callbackPort, method: method, target: target), "\(method) \(target)")
                #expect(response.status == 404 || response.status == 405, "\(method) \(target): \(response.status)")
                #expect(response.body.isEmpty, "\(method) \(target) answers without a body: \(response.bodyText)")
            }
            // Nothing of the daemon's internals in the head either.
            let head = try #require(try RawHTTP.tcp(port: world.callbackPort, method: "GET", target: "/no/such/route")).headers
            #expect(!head.lowercased().contains("hummingbird") && !head.contains("Swift"))
        }
    }

    @Test func oversizeBodiesAre413() async throws {
        try await FulfillmentWorld.with(orders: 0, config: Self.config) { world in
            let body = Array(repeating: UInt8(ascii: "a"), count: 20 * 1024)
            for target in ["/healthz", "/bigcommerce/uninstall", "/no/such/route"] {
                let response = try #require(try RawHTTP.tcp(port: world.callbackPort, method: "GET", target: target, body: body))
                #expect(response.status == 413, "\(target): \(response.status)")
            }
            // Chunked, so no Content-Length announces it: counted as it arrives.
            let connection = try RawHTTPConnection.tcp(port: world.callbackPort)
            defer { connection.close() }
            var request = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
            for _ in 0..<20 { request += "400\r\n" + String(repeating: "b", count: 1024) + "\r\n" }
            request += "0\r\n\r\n"
            _ = connection.send(request)
            let chunked = try #require(RawHTTPResponse(connection.readToEnd()))
            #expect(chunked.status == 413)
            // The listener is still fine.
            #expect(try RawHTTP.tcp(port: world.callbackPort, method: "GET", target: "/healthz")?.status == 200)
        }
    }

    @Test func oversizeHeadsAreRefusedWithoutGrowing() async throws {
        try await FulfillmentWorld.with(orders: 0, config: Self.config) { world in
            let huge = "X-Big: " + String(repeating: "h", count: 100 * 1024)
            let big = try RawHTTP.tcp(port: world.callbackPort, method: "GET", target: "/healthz", extraHeaders: [huge])
            // Either an error status or a closed connection: never a 2xx.
            if let big { #expect((400..<500).contains(big.status), "100 KB header: \(big.status)") }

            let many = (0..<300).map { "X-H\($0): v" }
            let crowd = try RawHTTP.tcp(port: world.callbackPort, method: "GET", target: "/healthz", extraHeaders: many)
            if let crowd { #expect((400..<500).contains(crowd.status), "300 headers: \(crowd.status)") }

            let longURL = "/bigcommerce/load?signed_payload_jwt=" + String(repeating: "j", count: 64 * 1024)
            let url = try RawHTTP.tcp(port: world.callbackPort, method: "GET", target: longURL)
            if let url { #expect((400..<500).contains(url.status), "64 KB URL: \(url.status)") }

            #expect(try RawHTTP.tcp(port: world.callbackPort, method: "GET", target: "/healthz")?.status == 200)
        }
    }

    /// Sends `prefix`, then one byte of `drip` every 200 ms until the server closes; the time
    /// from connecting to the close, or nil if it was still open after 15 s.
    func trickle(port: Int, prefix: String, drip: String) throws -> Duration? {
        let connection = try RawHTTPConnection.tcp(port: port, timeout: .seconds(2))
        defer { connection.close() }
        let start = ContinuousClock.now
        _ = connection.send(prefix)
        var bytes = Array(drip.utf8)[...]
        while ContinuousClock.now - start < .seconds(15) {
            if connection.peerClosed() { return ContinuousClock.now - start }
            if bytes.isEmpty { bytes = Array(drip.utf8)[...] }
            if !connection.send([bytes.removeFirst()]) { return ContinuousClock.now - start }
            usleep(200_000)
        }
        return nil
    }

    @Test func slowClientsAreClosedAtTheDeadline() async throws {
        try await FulfillmentWorld.with(orders: 0, config: Self.config) { world in
            // A head that never ends: a header byte every 200 ms keeps the idle timer happy.
            let head = try trickle(port: world.callbackPort, prefix: "GET /healthz HTTP/1.1\r\nHost: x\r\n", drip: "X-Slow: abcdefghij\r\n")
            let headTime = try #require(head, "a trickled head kept its connection for 15 s")
            #expect(headTime >= .milliseconds(900), "closed before the deadline: \(headTime)")

            // A body that never ends.
            let body = try trickle(port: world.callbackPort, prefix: "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", drip: "z")
            let bodyTime = try #require(body, "a trickled body kept its connection for 15 s")
            #expect(bodyTime >= .milliseconds(900), "closed before the deadline: \(bodyTime)")

            // A kept-alive connection gets the same deadline for its next request.
            let connection = try RawHTTPConnection.tcp(port: world.callbackPort, timeout: .seconds(15))
            defer { connection.close() }
            #expect(connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
            let start = ContinuousClock.now
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
                if count <= 0 { break }
                received += buffer[0..<count]
            }
            #expect(RawHTTPResponse(received)?.status == 200)
            let waited = ContinuousClock.now - start
            #expect(waited < .seconds(14), "an idle kept-alive connection was closed by the deadline, not the 30 s idle timeout: \(waited)")

            // And a well-behaved client is unaffected.
            #expect(try RawHTTP.tcp(port: world.callbackPort, method: "GET", target: "/healthz")?.status == 200)
        }
    }

    @Test func connectionsAreCapped() async throws {
        try await FulfillmentWorld.with(orders: 0, config: ["callback.request_timeout": "1s", "callback.max_connections": "2"]) { world in
            // Two kept-alive clients fill the listener (each got an answer, so each was
            // accepted); a third is served only once the deadline has closed them.
            let first = try RawHTTPConnection.tcp(port: world.callbackPort)
            let second = try RawHTTPConnection.tcp(port: world.callbackPort)
            defer { first.close(); second.close() }
            // Taken before the first request is sent, so before its answer arms the 1 s deadline:
            // nothing can close either connection earlier than 1 s after this.
            let start = ContinuousClock.now
            for connection in [first, second] {
                #expect(connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = buffer.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
                #expect(count > 0 && String(decoding: buffer[0..<max(count, 0)], as: UTF8.self).hasPrefix("HTTP/1.1 200"))
            }
            let third = try #require(try RawHTTP.tcp(port: world.callbackPort, method: "GET", target: "/healthz"))
            let waited = ContinuousClock.now - start
            #expect(third.status == 200)
            #expect(waited >= .milliseconds(950), "the third connection was served while two were open: \(waited)")
        }
    }
}
