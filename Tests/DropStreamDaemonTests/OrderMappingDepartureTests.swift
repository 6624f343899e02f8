import DropStreamCore
import Testing

@testable import DropStreamDaemon

/// How the sync engine reads a known order that the store shows outside the import status,
/// with the claim flip in play (pure logic: no store, no database).
@Suite struct OrderMappingDepartureTests {
    func departure(_ status: Int, _ known: OrderMapping.KnownOrderState, claim: Int? = 9, flipped: Int? = nil) -> OrderMapping.Departure {
        OrderMapping.departure(storeStatusID: status, statusName: "S", known: known, claimStatusID: claim, flippedStatusID: flipped)
    }

    @Test func aClaimedOrderInTheClaimStatusIsOurFlip() {
        #expect(departure(9, .claimed) == .ignore)
        // Without the flip configured, the same status is the merchant's doing.
        #expect(departure(9, .claimed, claim: nil) == .hold(reason: "left the import status in the store: now S (9)"))
    }

    @Test func anOrderBackInTheQueueStillShowingOurFlipIsNotHeld() {
        // Released or expired while the restore has not landed yet: ready stays ready.
        #expect(departure(9, .ready, flipped: 9) == .ignore)
        #expect(departure(9, .held, flipped: 9) == .ignore)
        // Also after the store's claim status changed or was turned off.
        #expect(departure(9, .ready, claim: nil, flipped: 9) == .ignore)
        #expect(departure(9, .claimed, claim: 8, flipped: 9) == .ignore)
    }

    @Test func anythingElseIsStillTheMerchants() {
        #expect(departure(9, .ready) == .hold(reason: "left the import status in the store: now S (9)"))
        #expect(departure(1, .ready, flipped: 9) == .hold(reason: "left the import status in the store: now S (1)"))
        #expect(departure(5, .ready, flipped: 9) == .cancel(reason: "S (5) in store"))
        #expect(departure(2, .claimed, flipped: 9) == .handledElsewhere(reason: "handled elsewhere: S (2) in store"))
    }
}
