import DropStreamHarness
import Foundation
import Testing

/// Help text is part of the product (STYLE §12): every command explains itself.
@Suite struct HelpTextTests {
    @Test func daemonHelpDocumentsFlagsSignalsAndExitCodes() async throws {
        let result = try await SpawnedProcess.run(BuiltProducts.executable("dropstreamd"), ["--help"])
        #expect(result.status == 0)
        for needle in ["--config", "--state-directory", "--socket", "--log-level", "SIGHUP", "78", "75", "65", "DROPSTREAM_"] {
            #expect(result.stdout.contains(needle), "dropstreamd --help lacks \(needle)")
        }
    }

    @Test func ctlHelpListsCommandsAndExitCodes() async throws {
        let result = try await SpawnedProcess.run(BuiltProducts.executable("dropstreamctl"), ["--help"])
        #expect(result.status == 0)
        for needle in ["status", "69", "77", "--json", "DROPSTREAM_SOCKET"] {
            #expect(result.stdout.contains(needle), "dropstreamctl --help lacks \(needle)")
        }
    }

    @Test func statusHelpExplainsTheCommandAndItsOptions() async throws {
        let result = try await SpawnedProcess.run(BuiltProducts.executable("dropstreamctl"), ["status", "--help"])
        #expect(result.status == 0)
        for needle in ["--json", "--socket", "health", "GET /v1/status"] {
            #expect(result.stdout.contains(needle), "dropstreamctl status --help lacks \(needle)")
        }
    }

    @Test func versionsAgree() async throws {
        let daemon = try await SpawnedProcess.run(BuiltProducts.executable("dropstreamd"), ["--version"])
        let ctl = try await SpawnedProcess.run(BuiltProducts.executable("dropstreamctl"), ["--version"])
        #expect(daemon.status == 0 && ctl.status == 0)
        #expect(!daemon.stdout.isEmpty && daemon.stdout == ctl.stdout)
    }
}
