import Testing
@testable import DropStreamCore

@Suite struct OrderStateTests {
    @Test func onlyShippedAndCancelledAreTerminal() {
        let terminal = OrderState.allCases.filter(\.isTerminal)
        #expect(Set(terminal) == [.shipped, .cancelled])
    }

    @Test func onlyActiveStoresArePolled() {
        #expect(StoreState.allCases.filter(\.isPolled) == [.active])
    }

    @Test func rawValuesAreStableWireNames() {
        #expect(StoreState.needsReauthorization.rawValue == "needs_reauthorization")
        #expect(StoreState.awaitingAuthorization.rawValue == "awaiting_authorization")
    }
}
