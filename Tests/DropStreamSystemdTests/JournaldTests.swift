import Logging
import Testing

@testable import DropStreamSystemd

extension ProcessEnvironmentTests {
    @Suite struct JournaldTests {
        @Test(
            "A warning with metadata arrives in the journal with PRIORITY, SYSLOG_IDENTIFIER, CODE_* and STORE",
            .enabled(if: JournaldFixture.unavailableReason == nil, "needs root and systemd-journald to start a journal by hand"),
            .timeLimit(.minutes(1))
        )
        func roundTrip() async throws {
            do {
                try await JournaldFixture.withJournald { journal in
                    let store = "acme-\(UInt64.random(in: 0...UInt64.max))"
                    let handler = JournalLogHandler(label: "dropstream.test", identifier: "dropstream-test", levelControl: LogLevelControl(.info))
                    let logger = Logger(label: "dropstream.test") { _ in handler }
                    let line = #line + 1
                    logger.warning("Journal round trip", metadata: ["store": "\(store)", "order": ["id": "42"]])

                    let entries = try journal.entries(field: "STORE", value: store)
                    try #require(entries.count == 1, "journalctl STORE=\(store) found \(entries.count) entries")
                    let entry = entries[0]
                    #expect(entry["MESSAGE"] as? String == "Journal round trip")
                    #expect(entry["PRIORITY"] as? String == "4")
                    #expect(entry["SYSLOG_IDENTIFIER"] as? String == "dropstream-test")
                    #expect(entry["LOGGER"] as? String == "dropstream.test")
                    #expect(entry["ORDER_ID"] as? String == "42")
                    #expect(entry["CODE_FILE"] as? String == #fileID)
                    #expect(entry["CODE_LINE"] as? String == String(line))
                    #expect(entry["CODE_FUNC"] as? String == #function)
                }
            } catch let failure as JournaldFixture.StartFailure {
                // journald could not start here (not a failure of the code under test): skip, saying why.
                print("Skipping the journald round trip: \(failure)")
                try Test.cancel("journald could not start: \(failure)")
            }
        }
    }
}
