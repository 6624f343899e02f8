import ArgumentParser
import DropStreamControl
import Foundation

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the daemon's health, database and counts of stores and orders.",
        discussion: """
            Shows the version, process id and uptime, whether the health monitor sees progress \
            (the same verdict that gates systemd's watchdog pings) and why not, the database \
            file, its size and schema version, and how many stores and orders are in each state.

            With --json, prints the control API's GET /v1/status response unchanged.
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let status: StatusResponse = try await callDaemon { () async throws(ControlClientError) in
            try await global.client.status()
        }
        if global.json {
            try JSONOutput.print(status)
        } else {
            print(StatusTable.render(status))
        }
    }
}

/// The human rendering of ``StatusResponse``.
enum StatusTable {
    static func render(_ status: StatusResponse) -> String {
        var lines: [String] = []
        lines.append("dropstreamd \(status.version) (pid \(status.pid)), up \(uptime(status.uptimeSeconds))")
        lines.append("Health:    " + (status.healthy ? "ok" : "NOT OK"))
        for problem in status.healthProblems { lines.append("           - \(problem)") }
        lines.append("Database:  \(status.databasePath)")
        lines.append("           \(bytes(status.databaseSizeBytes)), schema \(status.schemaVersion) (\(status.schemaMigration))")
        lines.append("")
        lines.append(table(title: "STORES", counts: status.storesByState, order: ["awaiting_authorization", "active", "paused", "needs_reauthorization", "disconnected"]))
        lines.append("")
        lines.append(table(title: "ORDERS", counts: status.ordersByState, order: ["ready", "held", "claimed", "shipped", "cancelled"]))
        return lines.joined(separator: "\n")
    }

    /// Known states first in lifecycle order, then anything newer the daemon reports.
    static func table(title: String, counts: [String: Int], order: [String]) -> String {
        let states = order.filter { counts[$0] != nil } + counts.keys.filter { !order.contains($0) }.sorted()
        let width = max(title.count, states.map(\.count).max() ?? 0)
        var rows = ["\(title.padding(toLength: width, withPad: " ", startingAt: 0))  COUNT"]
        for state in states {
            rows.append("\(state.padding(toLength: width, withPad: " ", startingAt: 0))  \(counts[state] ?? 0)")
        }
        return rows.joined(separator: "\n")
    }

    static func uptime(_ seconds: Int) -> String {
        let days = seconds / 86400, hours = (seconds % 86400) / 3600, minutes = (seconds % 3600) / 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(seconds % 60)s" }
        return "\(seconds)s"
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : "\(String(format: "%.1f", value)) \(units[unit])"
    }
}
