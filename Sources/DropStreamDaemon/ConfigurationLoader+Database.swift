import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `database.*`: the storage engine and how to reach a PostgreSQL server (DESIGN §10).
extension ConfigurationLoader {
    /// The key an operator might reach for; no such key exists, and the loader says why.
    static let refusedPasswordKey = "database.postgresql.password"
    /// Where the password goes instead, for every refusal that mentions it.
    static let passwordAdvice =
        "put it in a credential file: LoadCredential=postgresql-password:/etc/dropstream/credentials/postgresql-password "
        + "in a drop-in for dropstreamd.service, or database.postgresql.password_file (mode 0600)"
    /// The credential name `LoadCredential=` gives the password file.
    static let postgresqlPasswordCredential = "postgresql-password"

    /// Validates `database.*`. PostgreSQL's keys are read only when `database.engine` is
    /// `postgresql`; with SQLite they may sit in the file, prepared for a move.
    ///
    /// TLS defaults: over a Unix socket there is no TLS (`disable`, the only mode accepted);
    /// over TCP the default is `verify-full`, which needs `ca_file`: the password (or its SCRAM
    /// exchange) and every order's address cross the network, and only a checked certificate
    /// proves the server is the one meant. `require` (encrypted, unchecked) is accepted when
    /// asked for; `disable` only for a loopback host.
    func databaseSettings(
        _ value: (ConfigurationKey) -> String?, credentials: String?
    ) throws(ConfigurationError) -> DatabaseSettings {
        // The password never comes from the environment (it would show in /proc/PID/environ).
        let passwordVariable = "DROPSTREAM_" + Self.refusedPasswordKey.uppercased().replacingOccurrences(of: ".", with: "_")
        if environment[passwordVariable] != nil {
            throw ConfigurationError(
                key: Self.refusedPasswordKey,
                reason: "the password is never read from the environment (\(passwordVariable)); \(Self.passwordAdvice)")
        }

        let engineText = value(.databaseEngine)?.trimmingCharacters(in: .whitespaces).lowercased() ?? "sqlite"
        switch engineText {
        case "sqlite":
            return .sqlite
        case "postgresql", "postgres":
            return .postgresql(try postgresqlConfiguration(value, credentials: credentials))
        default:
            throw ConfigurationError(
                key: ConfigurationKey.databaseEngine.rawValue,
                reason: "'\(value(.databaseEngine) ?? "")' is not a storage engine; use sqlite or postgresql")
        }
    }

    private func postgresqlConfiguration(
        _ value: (ConfigurationKey) -> String?, credentials: String?
    ) throws(ConfigurationError) -> PostgreSQLConfiguration {
        var port = 5432
        if let text = value(.postgresqlPort) {
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)), (1...65535).contains(number) else {
                throw ConfigurationError(key: ConfigurationKey.postgresqlPort.rawValue, reason: "'\(text)' is not a port number from 1 to 65535")
            }
            port = number
        }

        // Debian's own server listens on /run/postgresql: the default needs no network at all.
        let hostText = value(.postgresqlHost)?.trimmingCharacters(in: .whitespaces) ?? "/run/postgresql"
        let endpoint: PostgreSQLConfiguration.Endpoint
        if hostText.hasPrefix("/") {
            let directory = hostText.count > 1 && hostText.hasSuffix("/") ? String(hostText.dropLast()) : hostText
            let socket = "\(directory)/.s.PGSQL.\(port)"
            guard socket.utf8.count < 108 else {
                throw ConfigurationError(
                    key: ConfigurationKey.postgresqlHost.rawValue,
                    reason: "the socket '\(socket)' is \(socket.utf8.count) bytes long; a Unix socket path must be shorter than 108 bytes")
            }
            endpoint = .unixSocket(directory: directory, port: port)
        } else {
            guard let host = Self.hostName(hostText) else {
                // A URL with user:password@ pasted here must not be repeated into the journal.
                let shown = hostText.contains("@") ? "the value" : "'\(hostText)'"
                throw ConfigurationError(
                    key: ConfigurationKey.postgresqlHost.rawValue,
                    reason: "\(shown) is not a host name, an IP address or a Unix socket directory (an absolute path such as /run/postgresql); "
                        + "the user, database and password have keys (and a file) of their own")
            }
            endpoint = .tcp(host: host, port: port)
        }

        let database = try Self.identifier(value(.postgresqlDatabase), key: .postgresqlDatabase, default: "dropstream")
        let user = try Self.identifier(value(.postgresqlUser), key: .postgresqlUser, default: "dropstream")

        let sslKey = ConfigurationKey.postgresqlSSLMode.rawValue
        let sslMode: PostgreSQLConfiguration.SSLMode
        if let text = value(.postgresqlSSLMode) {
            guard let mode = PostgreSQLConfiguration.SSLMode(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw ConfigurationError(
                    key: sslKey,
                    reason: "'\(text)' is not an sslmode; use one of \(PostgreSQLConfiguration.SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            sslMode = mode
        } else {
            if case .tcp = endpoint { sslMode = .verifyFull } else { sslMode = .disable }
        }
        switch endpoint {
        case .unixSocket:
            guard sslMode == .disable else {
                throw ConfigurationError(
                    key: sslKey,
                    reason: "\(sslMode.rawValue) does not apply over a Unix socket (host \(hostText)); leave it unset or set disable")
            }
        case let .tcp(host, _):
            if sslMode == .disable && !Self.isLoopback(host) {
                throw ConfigurationError(
                    key: sslKey,
                    reason: "disable would send the password exchange and every order over the network to \(host) in clear; "
                        + "use verify-full with ca_file (or require, which encrypts without checking the server)")
            }
        }

        let caKey = ConfigurationKey.postgresqlCAFile.rawValue
        let caFile = try path(value(.postgresqlCAFile), key: .postgresqlCAFile)
        if sslMode.verifiesCertificate {
            guard let caFile else {
                throw ConfigurationError(
                    key: caKey,
                    reason: "sslmode \(sslMode.rawValue)\(value(.postgresqlSSLMode) == nil ? " (the default over TCP)" : "") "
                        + "needs the PEM file of the certificate authority that signed the server's certificate")
            }
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw ConfigurationError(key: caKey, reason: "\(caFile) does not exist or cannot be read")
            }
        } else if caFile != nil {
            // Set but unused would look like protection that is not there.
            throw ConfigurationError(
                key: caKey,
                reason: "only sslmode verify-ca and verify-full check the server against it; with \(sslMode.rawValue) it would be ignored")
        }

        var poolSize = 10
        if let text = value(.postgresqlPoolSize) {
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)), (1...1000).contains(number) else {
                throw ConfigurationError(
                    key: ConfigurationKey.postgresqlPoolSize.rawValue, reason: "'\(text)' is not a whole number from 1 to 1000")
            }
            poolSize = number
        }
        // Whole seconds: the connection's timeout is set in seconds.
        let connectTimeout = try duration(
            value(.postgresqlConnectTimeout), key: .postgresqlConnectTimeout, default: .seconds(10), minimum: .seconds(1))

        // The password file: named explicitly, else the systemd credential if there is one,
        // else none (peer or trust authentication). Either way it must not be readable by others.
        var passwordFile: String?
        if let explicit = try path(value(.postgresqlPasswordFile), key: .postgresqlPasswordFile) {
            try checkSecretFile(explicit, key: .postgresqlPasswordFile)
            passwordFile = explicit
        } else if let credentials {
            let candidate = "\(credentials)/\(Self.postgresqlPasswordCredential)"
            if FileManager.default.fileExists(atPath: candidate) {
                try checkSecretFile(candidate, key: .postgresqlPasswordFile)
                passwordFile = candidate
            }
        }

        return PostgreSQLConfiguration(
            endpoint: endpoint, database: database, user: user, sslMode: sslMode, caFile: caFile, poolSize: poolSize,
            connectTimeout: connectTimeout, passwordFile: passwordFile)
    }

    /// A host name (RFC 1123 labels), an IPv4 address, or an IPv6 address (brackets allowed and
    /// dropped); nil for anything else (a URL, a user@host, spaces).
    static func hostName(_ text: String) -> String? {
        var host = text
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, host.utf8.count <= 253 else { return nil }
        if isIPAddress(host) { return host }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        let valid = labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }
        return valid ? host : nil
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// `localhost`, 127.0.0.0/8 or ::1: traffic that never leaves the machine.
    static func isLoopback(_ host: String) -> Bool {
        if host.lowercased() == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { bytes in bytes.dropLast().allSatisfy { $0 == 0 } && bytes.last == 1 }
        }
        return false
    }

    /// A database or role name: PostgreSQL's identifier limit (63 bytes), printable, no NUL.
    private static func identifier(
        _ text: String?, key: ConfigurationKey, default fallback: String
    ) throws(ConfigurationError) -> String {
        guard let text else { return fallback }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 63,
              trimmed.unicodeScalars.allSatisfy({ !CharacterSet.controlCharacters.contains($0) })
        else {
            throw ConfigurationError(key: key.rawValue, reason: "'\(text)' is not a PostgreSQL name (1 to 63 bytes, no control characters)")
        }
        return trimmed
    }
}
