import ArgumentParser
import DropStreamControl
import Foundation

/// `dropstreamctl`: the operator's and the warehouse's command line for a running dropstreamd.
@main
struct DropStreamCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dropstreamctl",
        abstract: "Control a running dropstreamd over its control socket.",
        discussion: """
            Every command talks to dropstreamd over its Unix socket: by default \
            $DROPSTREAM_SOCKET, else /run/dropstream/control.sock when it exists (root and \
            members of the 'dropstream' group may use it; changes are recorded in the history \
            as operator:UID), else the per-user socket \
            $XDG_RUNTIME_DIR/dropstream/control.sock that an unprivileged 'dropstreamd' uses.

            Output is a human table by default; --json prints one JSON document for scripts. \
            --socket and --json may come before the subcommand or after it \
            (dropstreamctl --json store list, dropstreamctl store list --json).

            Exit status:
              0   success
              1   the daemon refused or failed the request (the message says why)
              64  the command line is wrong
              69  dropstreamd is not running (nothing listens on the socket)
              76  the daemon's answer could not be read (version mismatch?)
              77  permission denied (see below)

            Exit status 77 means the socket's mode keeps this user out, or the daemon refused \
            the caller: only root, the daemon's user and members of the control group \
            ('dropstream' by default) may use it; join the group or use sudo.
            """,
        version: DropStreamVersion.current,
        subcommands: [StatusCommand.self, ConnectCommand.self, StoreCommand.self, QueueCommand.self, OrdersCommand.self, ShipmentsCommand.self, SkusCommand.self, ShippingCommand.self, CatalogCommand.self]
    )

    /// `--socket` and `--json` before the subcommand (`dropstreamctl --json store list`), the
    /// convention of `systemctl --user ...` and `tailscale --socket=...`. There is one
    /// definition: ArgumentParser parses the root's options out of the whole command line,
    /// before or after the subcommand, and hands the decoded group to every subcommand that
    /// declares `@OptionGroup var global: GlobalOptions`, so both spellings mean the same.
    @OptionGroup var global: GlobalOptions
}

/// Options every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The daemon's control socket.", discussion: "Default: $DROPSTREAM_SOCKET, else /run/dropstream/control.sock if it exists, else the per-user socket.", valueName: "path"))
    var socket: String?

    @Flag(name: .long, help: "Print JSON instead of a table (for scripts).")
    var json = false

    var client: ControlClient {
        ControlClient(socketPath: socket ?? ControlSocketPath.clientDefault())
    }
}

/// Exit codes and messages for failures talking to the daemon (documented in `--help`).
enum CtlFailure {
    static func exit(for error: ControlClientError) -> ExitCode {
        FileHandle.standardError.write(Data("dropstreamctl: \(error.description)\n".utf8))
        switch error {
        case .daemonNotRunning: return ExitCode(69)
        case .permissionDenied, .forbidden: return ExitCode(77)
        case .unreadableResponse: return ExitCode(76)
        case .daemon, .transport: return ExitCode(1)
        }
    }
}

/// Runs one control-API call, turning a ``ControlClientError`` into the documented exit code.
func callDaemon<T: Sendable>(_ operation: () async throws(ControlClientError) -> T) async throws -> T {
    do {
        return try await operation()
    } catch {
        throw CtlFailure.exit(for: error)
    }
}

/// Writes a value as the control API's JSON, followed by a newline.
enum JSONOutput {
    static func print(_ value: some Encodable) throws {
        let encoder = ControlAPI.makeEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        FileHandle.standardOutput.write(try encoder.encode(value) + Data("\n".utf8))
    }
}
