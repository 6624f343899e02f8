import BigCommerceSandbox
import DropStreamCore
import Foundation

extension SandboxOrder {
    /// What the sync engine would import for this sandbox order: every line (physical or not),
    /// the first shipping address, method and customer message. Seeds a queue directly, without a
    /// sync pass.
    ///
    /// - Parameters:
    ///   - addressIDOffset: added to the shipping address id (tests that need ids the sandbox
    ///     does not know).
    ///   - dateModified: the store's modification date to record.
    public func importedOrder(addressIDOffset: Int = 0, dateModified: Date) -> ImportedOrder {
        let shipping = shippingAddresses.first!
        let a = shipping.address
        let payload = OrderPayload(
            lines: lines.map {
                OrderLine(lineID: String($0.id), sku: $0.sku, name: $0.name, quantity: $0.quantity, isPhysical: $0.type == .physical)
            },
            shippingAddress: ShippingAddress(
                addressID: String(shipping.id + addressIDOffset), firstName: a.firstName, lastName: a.lastName, street1: a.street1,
                city: a.city, state: a.state, zip: a.zip, country: a.country, countryISO2: a.countryISO2),
            shippingMethod: shipping.shippingMethod, customerMessage: customerMessage)
        return ImportedOrder(externalOrderID: String(id), storeStatusID: statusID, dateModified: dateModified, payload: payload)
    }
}
