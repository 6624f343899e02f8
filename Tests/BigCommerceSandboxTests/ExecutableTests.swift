import BigCommerceSandbox
import Foundation
import Testing

/// The built `bigcommerce-sandbox` next to the test bundle (`.build/<triple>/debug/`), if any.
func sandboxBinary() -> URL? {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("bigcommerce-sandbox")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return nil
}

@Suite("bigcommerce-sandbox executable")
struct ExecutableTests {
    @Test("--help documents every admin route, the OAuth pages and the flags", .enabled(if: sandboxBinary() != nil))
    func help() throws {
        let p = Process()
        p.executableURL = sandboxBinary()!
        p.arguments = ["--help"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        for needle in [
            "/_sandbox/v1", "/stores/{hash}/seed", "/faults", "/requests", "/clock", "/uninstall", "/load-url", "/tokens/{token}/revoke",
            "/quota", "/status-labels", "/app/{client_id}/install", "/oauth2/token", "/shippingaddresses", "--print-tokens",
            "--no-rate-limit", "--window-ms", "--uninstall-callback", "BIGCOMMERCE_SANDBOX_CLIENT_SECRET", "SIGINT/SIGTERM",
        ] {
            #expect(out.contains(needle), "\(needle)")
        }
        // Our discussion is laid out for 80 columns (ArgumentParser's own USAGE line may be longer).
        #expect(out.split(separator: "\n").filter { !$0.hasPrefix("USAGE:") }.allSatisfy { $0.count <= 80 })
    }

    @Test("Starts, prints where it listens and the store hashes, stops on SIGTERM", .enabled(if: sandboxBinary() != nil))
    func startStop() async throws {
        let p = Process()
        p.executableURL = sandboxBinary()!
        p.arguments = ["--port", "0", "--stores", "2", "--orders", "3", "--seed", "5", "--client-id", "cid",
                       "--auth-callback", "http://127.0.0.1:1/cb", "--print-tokens", "--log-level", "warning"]
        p.environment = ["BIGCOMMERCE_SANDBOX_CLIENT_SECRET": "sec"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        let collected = Collected()
        pipe.fileHandleForReading.readabilityHandler = { h in collected.append(h.availableData) }
        try p.run()
        let started = try await eventually { collected.text.components(separatedBy: "\n").filter { $0.hasPrefix("store ") }.count == 2 }
        #expect(started)
        let text = collected.text
        #expect(text.contains("bigcommerce-sandbox listening on http://127.0.0.1:"))
        #expect(text.contains("token="))
        p.terminate()  // SIGTERM
        let stopped = try await eventually { !p.isRunning }
        #expect(stopped)
        #expect(p.terminationStatus == 0)
        pipe.fileHandleForReading.readabilityHandler = nil
    }
}

final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ d: Data) { lock.lock(); data.append(d); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
}
