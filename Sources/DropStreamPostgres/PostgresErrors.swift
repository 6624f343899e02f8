import Foundation
import NIOCore
import PostgresNIO

/// Telling PostgreSQL's failures apart: the server unreachable (wait, it comes back), the
/// storage refusing writes (a human must act), or a bug.
enum PostgresErrors {
    /// SQLSTATE classes and codes: 53100 disk_full, 53200 out_of_memory (the server's), 25006
    /// read_only_sql_transaction (a standby, or default_transaction_read_only).
    static let refusalCodes: Set<String> = ["53100", "25006"]
    /// 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or
    /// shutting down), 08xxx connection exceptions, 53300 too_many_connections.
    static func isUnavailableCode(_ code: String) -> Bool {
        code.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(code)
    }

    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    static func isStorageRefusal(_ error: any Error) -> Bool {
        if let transaction = error as? PostgresTransactionError {
            return [transaction.beginError, transaction.closureError, transaction.commitError]
                .compactMap { $0 }.contains(where: isStorageRefusal)
        }
        return sqlState(error).map(refusalCodes.contains) ?? false
    }

    static func isUnavailable(_ error: any Error) -> Bool {
        if let transaction = error as? PostgresTransactionError {
            return [transaction.beginError, transaction.closureError, transaction.commitError]
                .compactMap { $0 }.contains(where: isUnavailable)
        }
        if let code = sqlState(error) { return isUnavailableCode(code) }
        if let psql = error as? PSQLError {
            switch psql.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown,
                .poolClosed:
                return true
            default:
                return false
            }
        }
        return error is IOError || error is ChannelError
    }

    /// One line for the operator: the server's message and SQLSTATE, or the connection failure.
    /// PSQLError's own description hides details on purpose; this names what is safe to name
    /// (never the query's bound values, which may hold a token's ciphertext or an address).
    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] {
                let code = psql.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return message + code
            }
            if let underlying = psql.underlying { return "\(psql.code): \(underlying)" }
            return "\(psql.code)"
        }
        return "\(error)"
    }
}
