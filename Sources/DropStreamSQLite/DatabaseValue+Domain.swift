import DropStreamCore
import DropStreamStorage
import Foundation
import GRDB

// The domain's string enums and identifiers as SQL arguments (their raw values).
extension OrderState: DatabaseValueConvertible {}
extension StoreState: DatabaseValueConvertible {}
extension Platform: DatabaseValueConvertible {}
extension ShipmentState: DatabaseValueConvertible {}
extension SyncPassKind: DatabaseValueConvertible {}
extension SyncRunOutcome: DatabaseValueConvertible {}
extension SKURuleKind: DatabaseValueConvertible {}
extension OrderEventKind: DatabaseValueConvertible {}
extension EventActor: DatabaseValueConvertible {}
extension StoreStatusChangePurpose: DatabaseValueConvertible {}
extension StoreStatusChangeState: DatabaseValueConvertible {}

/// JSON text as stored in the schema's JSON columns: sorted keys, so equal values store equal text.
enum JSONText {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

extension Date {
    /// The date as the database stores it (millisecond text), for exact comparisons with stored dates.
    var databaseText: String { String.fromDatabaseValue(databaseValue) ?? "" }

    /// `self + duration`.
    func adding(_ duration: Duration) -> Date {
        let (seconds, attoseconds) = duration.components
        return addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
    }
}
