import Foundation
import Logging
import Testing
@testable import DropStreamDaemon

@Suite struct ConfigurationLoaderTests {
    /// Writes `yaml` to a fresh file and returns its path.
    private func configFile(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dropstreamd-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func load(_ yaml: String?, flags: CommandLineOverrides = .init(), environment: [String: String] = [:], userID: UInt32 = 1000) throws -> DaemonConfiguration {
        var overrides = flags
        if let yaml { overrides.configPath = try configFile(yaml) }
        return try ConfigurationLoader(overrides: overrides, environment: environment.merging(["HOME": "/home/op"]) { a, _ in a }, userID: userID).load()
    }

    @Test func defaultsForAnUnprivilegedUserWithoutAFile() throws {
        let configuration = try ConfigurationLoader(
            overrides: .init(), environment: ["HOME": "/home/op", "CONFIGURATION_DIRECTORY": "/nonexistent-\(UUID())"], userID: 1000
        ).load()
        #expect(configuration.sourceFile == nil)
        #expect(configuration.stateDirectory == "/home/op/.local/state/dropstream")
        #expect(configuration.controlSocketPath == "/tmp/dropstream-1000/control.sock")
        #expect(configuration.logLevel == .info)
        #expect(configuration.stallTimeout == .seconds(120))
        #expect(configuration.healthCheckInterval == .seconds(5))
        #expect(configuration.shutdownTimeout == .seconds(10))
    }

    @Test func controlGroupAndCallbackLimits() throws {
        let defaults = try load("log:\n  level: info\n")
        #expect(defaults.controlGroup == "dropstream")
        #expect(defaults.callbackRequestTimeout == .seconds(10))
        #expect(defaults.callbackMaxConnections == 256)

        let set = try load("control:\n  group: \"54321\"\ncallback:\n  request_timeout: 2s\n  max_connections: 8\n")
        #expect(set.controlGroup == "54321")
        #expect(set.callbackRequestTimeout == .seconds(2))
        #expect(set.callbackMaxConnections == 8)

        for (yaml, key) in [("control:\n  group: \"wheel; rm\"\n", "control.group"), ("control:\n  group: \"-x\"\n", "control.group"),
                            ("callback:\n  request_timeout: 10ms\n", "callback.request_timeout"),
                            ("callback:\n  max_connections: 0\n", "callback.max_connections")] {
            #expect(throws: ConfigurationError.self, "\(yaml)") { try load(yaml) }
            do { _ = try load(yaml) } catch let error as ConfigurationError { #expect(error.key == key) }
        }
    }

    @Test func systemdDirectoriesAreHonoured() throws {
        let configuration = try load(nil, environment: [
            "STATE_DIRECTORY": "/var/lib/dropstream", "RUNTIME_DIRECTORY": "/run/dropstream",
            "CREDENTIALS_DIRECTORY": "/run/credentials/dropstreamd.service",
            "CONFIGURATION_DIRECTORY": "/nonexistent-\(UUID())",
        ])
        #expect(configuration.stateDirectory == "/var/lib/dropstream")
        #expect(configuration.controlSocketPath == "/run/dropstream/control.sock")
        #expect(configuration.credentialsDirectory == "/run/credentials/dropstreamd.service")
        #expect(configuration.databasePath == "/var/lib/dropstream/dropstream.sqlite")
    }

    @Test func flagsBeatEnvironmentBeatsFileBeatsDefaults() throws {
        let yaml = "log:\n  level: error\nstate_directory: /srv/file\nhealth:\n  stall_timeout: 3m\n"
        let fileOnly = try load(yaml)
        #expect(fileOnly.logLevel == .error)
        #expect(fileOnly.stateDirectory == "/srv/file")
        #expect(fileOnly.stallTimeout == .seconds(180))

        let withEnvironment = try load(yaml, environment: ["DROPSTREAM_LOG_LEVEL": "warning", "DROPSTREAM_STATE_DIRECTORY": "/srv/env"])
        #expect(withEnvironment.logLevel == .warning)
        #expect(withEnvironment.stateDirectory == "/srv/env")

        let withFlags = try load(yaml, flags: .init(stateDirectory: "/srv/flag", logLevel: "debug"), environment: ["DROPSTREAM_LOG_LEVEL": "warning"])
        #expect(withFlags.logLevel == .debug)
        #expect(withFlags.stateDirectory == "/srv/flag")
        #expect(withFlags.stallTimeout == .seconds(180))
    }

    @Test func theShippedExampleFileIsValid() throws {
        // The file the package installs must load as it is.
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("etc/dropstream/dropstreamd.yaml").path
        let configuration = try ConfigurationLoader(overrides: .init(configPath: shipped), environment: ["HOME": "/h"], userID: 1000).load()
        #expect(configuration.logLevel == .info)
        #expect(configuration.stallTimeout == .seconds(120))
    }

    @Test func everyKeyIsDocumentedInTheShippedFile() throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("etc/dropstream/dropstreamd.yaml").path
        let text = try String(contentsOfFile: shipped, encoding: .utf8)
        for key in ConfigurationKey.allCases {
            #expect(text.contains("# \(key.rawValue) ("), "etc/dropstream/dropstreamd.yaml does not document \(key.rawValue)")
        }
    }

    @Test(arguments: [
        ("log:\n  level: verbose\n", "log.level", "not a log level"),
        ("lgo:\n  level: info\n", "lgo.level", "did you mean 'log.level'"),
        ("health:\n  stall_timeout: -5s\n", "health.stall_timeout", "not a duration"),
        ("health:\n  stall_timeout: 0.5s\n", "health.stall_timeout", "too short"),
        ("shutdown:\n  timeout: forever\n", "shutdown.timeout", "not a duration"),
        ("state_directory: var/lib\n", "state_directory", "absolute path"),
        ("control:\n  socket: run/control.sock\n", "control.socket", "absolute path"),
        ("control:\n  socket: /\(String(repeating: "x", count: 120)).sock\n", "control.socket", "shorter than 108 bytes"),
    ])
    func invalidValuesNameTheKey(yaml: String, key: String, reason: String) throws {
        let error = #expect(throws: ConfigurationError.self) { try load(yaml) }
        #expect(error?.key == key)
        #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
    }

    @Test func malformedYAMLIsRefusedWithTheFileName() throws {
        let path = try configFile("log:\n  level: [unclosed\n")
        let error = #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader(overrides: .init(configPath: path), environment: [:], userID: 1000).load()
        }
        #expect(error?.description.contains(path) == true)
    }

    @Test func emptyAndCommentOnlyFilesMeanDefaults() throws {
        #expect(try load("").logLevel == .info)
        #expect(try load("# nothing here\n").logLevel == .info)
        #expect(try load("log:\n  level:\n").logLevel == .info)
    }

    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("30s", .seconds(30)), ("5m", .seconds(300)),
        ("1h", .seconds(3600)), ("1d", .seconds(86400)), ("45", .seconds(45)), ("1.5s", .milliseconds(1500)),
    ])
    func durations(text: String, expected: Duration) {
        #expect(ConfigurationValue.duration(text) == expected)
    }

    @Test(arguments: ["", "s", "5x", "-1s", "ms", "1e400s", "nan"])
    func notDurations(text: String) {
        #expect(ConfigurationValue.duration(text) == nil)
    }

    @Test func onlyLogLevelAppliesWithoutRestart() throws {
        let old = try load("log:\n  level: info\n")
        var new = old
        new.logLevel = .debug
        #expect(old.keysNeedingRestart(comparedTo: new).isEmpty)
        new.controlSocketPath = "/elsewhere.sock"
        new.stallTimeout = .seconds(1)
        #expect(old.keysNeedingRestart(comparedTo: new) == [.controlSocket, .stallTimeout])
    }
}
