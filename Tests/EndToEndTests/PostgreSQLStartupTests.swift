import DropStreamHarness
import Foundation
import Testing

/// `database.engine: postgresql` at start (issue 12): a server that cannot be reached stops the
/// daemon with exit 69 (systemd retries) and a message naming the server by its redacted URL —
/// never the password, which comes from a 0600 file and nowhere else.
@Suite struct PostgreSQLStartupTests {
    static let password = "pg-secret-\(UUID().uuidString)"

    /// A daemon configured for PostgreSQL with `lines` under `database.postgresql` and a 0600
    /// password file holding ``password``.
    func harness(_ lines: [String]) throws -> DaemonHarness {
        let harness = try DaemonHarness(config: "log:\n  level: debug\n")
        let passwordFile = harness.directory.file("postgresql-password")
        try (Self.password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passwordFile)
        let yaml = "log:\n  level: debug\ndatabase:\n  engine: postgresql\n  postgresql:\n"
            + (lines + ["password_file: \(passwordFile)", "connect_timeout: 2s"]).map { "    \($0)\n" }.joined()
        try yaml.write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        return harness
    }

    func expectRefusedAsUnavailable(_ harness: DaemonHarness, naming url: String) async throws {
        let daemon = try harness.start()
        let status = try await daemon.waitForExit()
        #expect(status == 69, "output:\n\(daemon.output)")
        #expect(daemon.output.contains(url), "output:\n\(daemon.output)")
        #expect(!daemon.output.contains(Self.password), "the daemon printed the PostgreSQL password")
        // Nothing was made in the state directory's place: no SQLite fallback
        #expect(!FileManager.default.fileExists(atPath: harness.stateDirectory + "/dropstream.sqlite"))
    }

    @Test func noServerOnTheSocketExits69NamingTheServer() async throws {
        let empty = try TemporaryDirectory(prefix: "ds-nopg")
        let harness = try harness(["host: \(empty.path)", "database: wms", "user: app"])
        try await expectRefusedAsUnavailable(harness, naming: "postgresql://app@/wms?host=\(empty.path)&port=5432")
    }

    @Test func nothingListeningOnTheTCPPortExits69NamingTheServer() async throws {
        let port = try FreePort.next()
        let harness = try harness(["host: 127.0.0.1", "port: \(port)", "sslmode: disable"])
        try await expectRefusedAsUnavailable(
            harness, naming: "postgresql://dropstream@127.0.0.1:\(port)/dropstream?sslmode=disable")
    }

    @Test func aDatabaseTheServerDoesNotHaveExits69WithTheServersReason() async throws {
        // The throwaway server of scripts/with-postgres.sh (make test): a real login, refused.
        let socketDirectory = try #require(
            ProcessInfo.processInfo.environment["DROPSTREAM_TEST_POSTGRES_SOCKET_DIR"],
            "run the tests under scripts/with-postgres.sh (make test does): this test needs its PostgreSQL server")
        let port = ProcessInfo.processInfo.environment["DROPSTREAM_TEST_POSTGRES_PORT"] ?? "5432"
        let harness = try harness([
            "host: \(socketDirectory)", "port: \(port)", "user: postgres", "database: no_such_database_\(UUID().uuidString.prefix(8).lowercased())",
        ])
        let daemon = try harness.start()
        #expect(try await daemon.waitForExit() == 69, "output:\n\(daemon.output)")
        #expect(daemon.output.contains("does not exist"), "output:\n\(daemon.output)")
        #expect(daemon.output.contains("postgresql://postgres@/no_such_database_"), "output:\n\(daemon.output)")
        #expect(!daemon.output.contains(Self.password))
    }

    @Test func aPasswordInTheConfigFileExits78WithoutRepeatingIt() async throws {
        let harness = try DaemonHarness(
            config: "database:\n  engine: postgresql\n  postgresql:\n    password: \(Self.password)\n")
        let daemon = try harness.start()
        #expect(try await daemon.waitForExit() == 78, "output:\n\(daemon.output)")
        #expect(daemon.output.contains("'database.postgresql.password'"))
        #expect(!daemon.output.contains(Self.password))
    }
}
