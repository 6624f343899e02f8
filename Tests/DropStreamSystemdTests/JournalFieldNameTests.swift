import DropStreamHarness
import Testing

@testable import DropStreamSystemd

/// An independent statement of journald's rule, so the tests do not check the code against itself.
private func journaldAccepts(_ name: String) -> Bool {
    let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_".unicodeScalars)
    guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 64 else { return false }
    guard first != "_", !("0"..."9").contains(first) else { return false }
    return name.unicodeScalars.allSatisfy(allowed.contains)
}

@Suite struct JournalFieldNameTests {
    @Test(
        "Metadata keys become journal field names",
        arguments: [
            ("store", "STORE"),
            ("order.id", "ORDER_ID"),
            ("Order-ID", "ORDER_ID"),
            ("http.status_code", "HTTP_STATUS_CODE"),
            ("ALREADY_VALID_42", "ALREADY_VALID_42"),
            ("a b", "A_B"),
            ("line\nbreak", "LINE_BREAK"),
            ("nul\u{0}byte", "NUL_BYTE"),
            ("x🙂y", "X_Y"),
            ("café", "CAF_"),
            ("_private", "F_PRIVATE"),
            ("__dunder", "F__DUNDER"),
            ("2fa", "F2FA"),
            ("123", "F123"),
            ("über", "F_BER"),
            ("@timestamp", "F_TIMESTAMP"),
            ("MESSAGE", "MESSAGE"),  // valid as a name; the handler keeps it from clobbering MESSAGE
        ] as [(String, String)]
    )
    func sanitises(key: String, expected: String) {
        #expect(JournalFieldName.sanitise(key) == expected)
        #expect(journaldAccepts(expected))
    }

    @Test("Keys with nothing to search for are dropped", arguments: ["", "_", "...", "-", "🙂", "   ", "__", "é"])
    func drops(key: String) {
        #expect(JournalFieldName.sanitise(key) == nil)
    }

    @Test("Long keys are cut to 64 characters, prefix included")
    func truncates() {
        #expect(JournalFieldName.sanitise(String(repeating: "a", count: 100)) == String(repeating: "A", count: 64))
        let prefixed = JournalFieldName.sanitise("_" + String(repeating: "b", count: 100))
        #expect(prefixed == "F_" + String(repeating: "B", count: 62))
        let digits = JournalFieldName.sanitise(String(repeating: "7", count: 70))
        #expect(digits == "F" + String(repeating: "7", count: 63))
        // Cutting may leave only underscores after the prefix: dropped, not "F___…".
        #expect(JournalFieldName.sanitise(String(repeating: "_", count: 80) + "x") == nil)
    }

    @Test("isValid agrees with journald's rule")
    func validity() {
        for name in ["A", "STORE", "ORDER_ID", "A1", "A_", String(repeating: "Z", count: 64)] {
            #expect(JournalFieldName.isValid(name), "\(name)")
        }
        for name in ["", "_A", "1A", "a", "ORDER.ID", "ÜBER", String(repeating: "Z", count: 65)] {
            #expect(!JournalFieldName.isValid(name), "\(name)")
        }
    }

    @Test("Property: any string becomes a valid name or is dropped; valid names are kept as they are")
    func property() {
        var generator = SeededGenerator(seed: 0x5EED_D50C)
        // Biased towards the interesting characters: ASCII letters and digits, separators,
        // underscores, control characters, multi-byte scalars and emoji.
        let pool: [Unicode.Scalar] = Array("abcxyzABCXYZ0129_._-@ \n\t\u{0}é€🙂\u{301}ß".unicodeScalars)
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...90, using: &generator)
            var key = String.UnicodeScalarView()
            for _ in 0..<length {
                if Int.random(in: 0..<10, using: &generator) == 0 {
                    // Occasionally any scalar at all (skipping surrogates, which are not scalars).
                    let value = UInt32.random(in: 0...0x10FFFF, using: &generator)
                    key.append(Unicode.Scalar(value) ?? "?")
                } else {
                    key.append(pool.randomElement(using: &generator)!)
                }
            }
            let input = String(key)
            if let name = JournalFieldName.sanitise(input) {
                #expect(journaldAccepts(name), "\(input.debugDescription) -> \(name)")
                #expect(JournalFieldName.isValid(name))
                #expect(JournalFieldName.sanitise(name) == name, "not idempotent: \(name)")
            } else {
                // Dropped only when no ASCII letter or digit survives the cut (63 after the "F").
                let kept = input.unicodeScalars.prefix(63)
                #expect(!kept.contains { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }, "\(input.debugDescription)")
            }
        }
    }
}
