import DropStreamPostgres
import Foundation
import Testing

@testable import DropStreamDaemon

/// `database.*` (issue 12): the engine, how to reach PostgreSQL, TLS that cannot be weakened by
/// accident, and a password that only ever comes from a 0600 credential file.
@Suite final class DatabaseConfigurationTests {
    /// A private scratch directory for config, CA and password files, removed after each test.
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dropstreamd-db-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func load(_ yaml: String, environment: [String: String] = [:]) throws -> DaemonConfiguration {
        let path = directory + "/dropstreamd-\(UUID().uuidString).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try ConfigurationLoader(
            overrides: .init(configPath: path), environment: environment.merging(["HOME": "/home/op"]) { a, _ in a },
            userID: 1000
        ).load()
    }

    /// `yaml` under `database.postgresql`, with the engine set.
    func postgres(_ lines: String...) -> String {
        "database:\n  engine: postgresql\n  postgresql:\n" + lines.map { "    \($0)\n" }.joined()
    }

    /// A file with `content` and permission bits `mode`.
    func file(_ name: String, _ content: String, mode: Int = 0o600) throws -> String {
        let path = directory + "/" + name
        try content.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    func refusal(_ yaml: String, environment: [String: String] = [:]) -> ConfigurationError? {
        #expect(throws: ConfigurationError.self, "\(yaml)") { try load(yaml, environment: environment) }
    }

    @Test func sqliteIsTheDefaultAndPostgreSQLDefaultsToTheLocalSocket() throws {
        #expect(try load("").database == .sqlite)
        #expect(try load("database:\n  engine: sqlite\n").database == .sqlite)
        // PostgreSQL keys sit unused (and unchecked) while the engine is sqlite: a move can be prepared.
        #expect(try load("database:\n  postgresql:\n    port: 99999\n").database == .sqlite)

        guard case let .postgresql(settings) = try load(postgres()).database else {
            Issue.record("engine postgresql not read")
            return
        }
        #expect(settings.endpoint == .unixSocket(directory: "/run/postgresql", port: 5432))
        #expect(settings.database == "dropstream" && settings.user == "dropstream")
        #expect(settings.sslMode == .disable && settings.caFile == nil)
        #expect(settings.poolSize == 10 && settings.connectTimeout == .seconds(10))
        #expect(settings.passwordFile == nil)
    }

    @Test func everyKeyIsRead() throws {
        let ca = try file("ca.pem", "-----BEGIN CERTIFICATE-----\n", mode: 0o644)
        let password = try file("pw", "secret\n")
        let configuration = try load(postgres(
            "host: db.internal.example", "port: 6432", "database: wms", "user: dropstream_app", "sslmode: verify-ca",
            "ca_file: \(ca)", "pool_size: 32", "connect_timeout: 3s", "password_file: \(password)"))
        #expect(configuration.database == .postgresql(PostgreSQLConfiguration(
            endpoint: .tcp(host: "db.internal.example", port: 6432), database: "wms", user: "dropstream_app",
            sslMode: .verifyCA, caFile: ca, poolSize: 32, connectTimeout: .seconds(3), passwordFile: password)))
        // The environment overrides like any key
        let fromEnvironment = try load(postgres("host: /var/run/postgresql"), environment: ["DROPSTREAM_DATABASE_POSTGRESQL_PORT": "5433"])
        guard case let .postgresql(settings) = fromEnvironment.database else { Issue.record("not postgresql"); return }
        #expect(settings.endpoint == .unixSocket(directory: "/var/run/postgresql", port: 5433))
    }

    @Test func overTCPTheDefaultIsVerifyFullWhichNeedsACAFile() throws {
        let error = refusal(postgres("host: db.example.com"))
        #expect(error?.key == "database.postgresql.ca_file")
        #expect(error?.reason.contains("verify-full (the default over TCP)") == true)

        let ca = try file("ca.pem", "x", mode: 0o644)
        guard case let .postgresql(settings) = try load(postgres("host: db.example.com", "ca_file: \(ca)")).database else {
            Issue.record("not postgresql")
            return
        }
        #expect(settings.sslMode == .verifyFull && settings.caFile == ca)
        #expect(settings.endpoint == .tcp(host: "db.example.com", port: 5432))
        // require: encrypted, and asked for explicitly; IPv6 in brackets loses them
        guard case let .postgresql(required) = try load(postgres("host: \"[2001:db8::5]\"", "sslmode: require")).database else {
            Issue.record("not postgresql")
            return
        }
        #expect(required.endpoint == .tcp(host: "2001:db8::5", port: 5432) && required.sslMode == .require)
    }

    @Test(arguments: ["localhost", "127.0.0.1", "127.3.2.1", "::1"])
    func plainTCPIsAcceptedOnlyOnLoopback(host: String) throws {
        guard case let .postgresql(settings) = try load(postgres("host: \"\(host)\"", "sslmode: disable")).database else {
            Issue.record("not postgresql")
            return
        }
        #expect(settings.sslMode == .disable)
    }

    @Test(arguments: [
        // (the keys under database.postgresql, the key the refusal must name)
        (["host: db.example.com", "sslmode: disable"], "database.postgresql.sslmode"),
        (["host: 10.0.0.5", "sslmode: disable"], "database.postgresql.sslmode"),
        (["host: /run/postgresql", "sslmode: require"], "database.postgresql.sslmode"),
        (["host: db.example.com", "sslmode: prefer"], "database.postgresql.sslmode"),
        (["host: db.example.com", "sslmode: require", "ca_file: /etc/ssl/certs/ca-certificates.crt"], "database.postgresql.ca_file"),
        (["host: db.example.com", "sslmode: verify-full", "ca_file: /nonexistent/ca.pem"], "database.postgresql.ca_file"),
        (["host: db.example.com", "sslmode: verify-full", "ca_file: relative/ca.pem"], "database.postgresql.ca_file"),
        (["host: \"postgres://u:p@db/x\""], "database.postgresql.host"),
        (["host: \"dropstream@db\""], "database.postgresql.host"),
        (["host: \"db example\""], "database.postgresql.host"),
        (["port: 0"], "database.postgresql.port"),
        (["port: 65536"], "database.postgresql.port"),
        (["port: fivefourthreetwo"], "database.postgresql.port"),
        (["database: \"\""], "database.postgresql.database"),
        (["user: \"\(String(repeating: "u", count: 64))\""], "database.postgresql.user"),
        (["pool_size: 0"], "database.postgresql.pool_size"),
        (["pool_size: 1001"], "database.postgresql.pool_size"),
        (["connect_timeout: 500ms"], "database.postgresql.connect_timeout"),
        (["connect_timeout: soon"], "database.postgresql.connect_timeout"),
        (["password_file: pw.txt"], "database.postgresql.password_file"),
        (["password_file: /nonexistent/postgresql-password"], "database.postgresql.password_file"),
        (["host: /\(String(repeating: "d", count: 100))"], "database.postgresql.host"),
    ] as [([String], String)])
    func badValuesAreRefusedNamingTheKey(lines: [String], key: String) throws {
        let yaml = "database:\n  engine: postgresql\n  postgresql:\n" + lines.map { "    \($0)\n" }.joined()
        #expect(refusal(yaml)?.key == key, "\(lines)")
    }

    @Test func aURLPastedAsTheHostIsRefusedWithoutRepeatingIt() {
        let error = refusal(postgres("host: \"postgresql://app:Sup3rS3cret@db.example.com/wms\""))
        #expect(error?.key == "database.postgresql.host")
        #expect(error?.description.contains("Sup3rS3cret") == false)
    }

    @Test func anUnknownEngineIsRefused() {
        let error = refusal("database:\n  engine: mysql\n")
        #expect(error?.key == "database.engine")
        #expect(error?.reason.contains("sqlite or postgresql") == true)
    }

    @Test func aPasswordFileReadableByOthersIsRefused() throws {
        let loose = try file("loose", "secret", mode: 0o644)
        let error = refusal(postgres("password_file: \(loose)"))
        #expect(error?.key == "database.postgresql.password_file")
        #expect(error?.reason.contains("readable by others") == true)
        // The systemd credential is checked the same way
        let credentials = directory + "/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try "secret".write(toFile: credentials + "/postgresql-password", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o604], ofItemAtPath: credentials + "/postgresql-password")
        #expect(refusal(postgres(), environment: ["CREDENTIALS_DIRECTORY": credentials])?.key == "database.postgresql.password_file")
    }

    @Test func theSystemdCredentialIsThePasswordFileUnlessOneIsNamed() throws {
        let credentials = directory + "/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try "from-systemd".write(toFile: credentials + "/postgresql-password", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: credentials + "/postgresql-password")
        guard case let .postgresql(loaded) = try load(postgres(), environment: ["CREDENTIALS_DIRECTORY": credentials]).database else {
            Issue.record("not postgresql")
            return
        }
        #expect(loaded.passwordFile == credentials + "/postgresql-password")
        let named = try file("named", "mine")
        guard case let .postgresql(explicit) = try load(postgres("password_file: \(named)"), environment: ["CREDENTIALS_DIRECTORY": credentials]).database else {
            Issue.record("not postgresql")
            return
        }
        #expect(explicit.passwordFile == named)
    }

    @Test func thePasswordIsNeverTakenFromTheFileOrTheEnvironmentNorRepeated() throws {
        let secret = "hunter2-\(UUID().uuidString)"
        let inFile = refusal(postgres("password: \(secret)"))
        #expect(inFile?.key == "database.postgresql.password")
        #expect(inFile?.reason.contains("credential file") == true)
        #expect(inFile?.description.contains(secret) == false)

        let inEnvironment = refusal(postgres(), environment: ["DROPSTREAM_DATABASE_POSTGRESQL_PASSWORD": secret])
        #expect(inEnvironment?.key == "database.postgresql.password")
        #expect(inEnvironment?.description.contains(secret) == false)
        // Even with the engine left at sqlite: the variable is a mistake worth stopping for
        #expect(refusal("", environment: ["DROPSTREAM_DATABASE_POSTGRESQL_PASSWORD": secret]) != nil)
    }

    @Test func changingTheDatabaseNeedsARestart() throws {
        let sqlite = try load("")
        let local = try load(postgres())
        let otherPort = try load(postgres("port: 5433"))
        let otherPool = try load(postgres("pool_size: 3"))
        #expect(sqlite.keysNeedingRestart(comparedTo: local) == [.databaseEngine])
        #expect(local.keysNeedingRestart(comparedTo: otherPort) == [.postgresqlPort])
        #expect(local.keysNeedingRestart(comparedTo: otherPool) == [.postgresqlPoolSize])
        #expect(local.keysNeedingRestart(comparedTo: try load(postgres())).isEmpty)
    }

    @Test func theEngineSettingsCarryThePasswordButNeverShowIt() throws {
        let secret = "p@ss word \(UUID().uuidString)"
        let password = try file("pw-\(UUID().uuidString)", secret + "\r\n")
        let ca = try file("ca.pem", "x", mode: 0o644)
        let configuration = PostgreSQLConfiguration(
            endpoint: .tcp(host: "db.example.com", port: 5432), database: "wms", user: "app", sslMode: .verifyFull,
            caFile: ca, poolSize: 7, connectTimeout: .seconds(4), passwordFile: password)
        let settings = try postgresSettings(configuration)
        // Only the line break goes; spaces are part of the password
        #expect(settings.password == secret)
        #expect(settings.endpoint == .tcp(host: "db.example.com", port: 5432))
        #expect(settings.tlsMode == .verifyFull && settings.caFile == ca && settings.poolSize == 7)
        #expect(settings.connectTimeout == .seconds(4))
        #expect(settings.redactedURL == "postgresql://app@db.example.com:5432/wms?sslmode=verify-full")
        for shown in ["\(settings)", String(reflecting: settings), settings.redactedURL] {
            #expect(!shown.contains(secret))
        }
    }

    @Test(arguments: [("", "is empty"), ("\n", "is empty"), ("one\ntwo\n", "more than one line")])
    func anUnusablePasswordFileStopsTheStartNamingTheKeyNotTheContent(content: String, reason: String) throws {
        let password = try file("pw-\(UUID().uuidString)", content)
        let configuration = PostgreSQLConfiguration(
            endpoint: .unixSocket(directory: "/run/postgresql", port: 5432), database: "d", user: "u", sslMode: .disable,
            passwordFile: password)
        let error = #expect(throws: DaemonStartupError.self) { try postgresSettings(configuration) }
        #expect(error?.code == .configuration)
        #expect(error?.message.contains("database.postgresql.password_file") == true)
        #expect(error?.message.contains(reason) == true)
        if content.contains("two") { #expect(error?.message.contains("two") == false) }
    }
}
