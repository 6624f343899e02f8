import ArgumentParser
import DropStreamDaemon
import DropStreamSystemd
import Foundation
import Logging

/// `dropstreamd`: parse flags, load the configuration, build the daemon, run it. Nothing else
/// lives here (STYLE §2).
@main
struct DropStreamDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dropstreamd",
        abstract: "The DropStream order-sync daemon: pulls store orders into a fulfillment queue.",
        discussion: """
            Runs in the foreground; under systemd use the dropstreamd.service unit (Type=notify). \
            Control it with dropstreamctl over the control socket.

            Configuration is layered: command-line flags, then DROPSTREAM_* environment \
            variables, then the YAML file, then built-in defaults. Every key is documented in \
            /etc/dropstream/dropstreamd.yaml and in the README. Under systemd the daemon honours \
            $STATE_DIRECTORY, $RUNTIME_DIRECTORY, $CONFIGURATION_DIRECTORY and \
            $CREDENTIALS_DIRECTORY.

            Signals: SIGTERM or SIGINT shut down gracefully; SIGHUP reloads the configuration \
            (a bad file is refused and the running configuration stays).

            Exit status: 0 after a clean shutdown; 1 on a runtime failure; 65 when the \
            database belongs to a newer dropstreamd or cannot be opened; 73 when the state \
            directory cannot be created; 75 when another dropstreamd already holds the state \
            directory or the socket; 78 (EX_CONFIG) for an invalid configuration, naming the key.
            """,
        version: DaemonVersion.current
    )

    @Option(name: .long, help: ArgumentHelp("Configuration file (YAML).", discussion: "Default: $DROPSTREAM_CONFIG, else $CONFIGURATION_DIRECTORY/dropstreamd.yaml, else /etc/dropstream/dropstreamd.yaml. A file named here must exist; the default may be absent.", valueName: "path"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Directory for the database and keys (key state_directory).", valueName: "path"))
    var stateDirectory: String?

    @Option(name: .long, help: ArgumentHelp("Control socket path (key control.socket).", valueName: "path"))
    var socket: String?

    @Option(name: .long, help: ArgumentHelp("trace, debug, info, notice, warning, error or critical (key log.level).", valueName: "level"))
    var logLevel: String?

    func run() async throws {
        // A SIGHUP before the reload handler is installed must not kill the daemon.
        signal(SIGHUP, SIG_IGN)
        // Everything the daemon creates is private unless it says otherwise (the socket: 0660).
        umask(0o077)

        let loader = ConfigurationLoader(overrides: CommandLineOverrides(
            configPath: config, stateDirectory: stateDirectory, socketPath: socket, logLevel: logLevel
        ))
        let configuration: DaemonConfiguration
        do {
            configuration = try loader.load()
        } catch {
            FileHandle.standardError.write(Data("dropstreamd: \(error)\n".utf8))
            throw ExitCode(78)
        }

        let logLevelControl = LogLevelControl(configuration.logLevel)
        LoggingSystem.bootstrap(DaemonLogging.makeHandlerFactory(identifier: "dropstreamd", level: logLevelControl))
        let logger = Logger(label: "dropstreamd")

        let daemon: Daemon
        do {
            daemon = try await buildDaemon(configuration: configuration, loader: loader, logLevel: logLevelControl, logger: logger)
        } catch {
            logger.critical("cannot start: \(error.message)")
            throw ExitCode(error.code.rawValue)
        }
        do {
            try await daemon.run()
        } catch {
            logger.critical("stopped on an error: \(error)")
            throw ExitCode(1)
        }
    }
}
