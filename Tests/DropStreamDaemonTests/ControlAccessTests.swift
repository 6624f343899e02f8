import DropStreamControl
import DropStreamHarness
import Foundation
import Testing
@testable import DropStreamDaemon

/// Who may use the control socket (DESIGN §7, issue 8): the policy alone, then the real daemon
/// and the real ctl run as another user through setpriv.
@Suite struct ControlAccessPolicyTests {
    let policy = ControlAccessPolicy(groupName: "dropstream", groupID: 990, daemonUID: 995)

    func peer(uid: UInt32, gid: UInt32, groups: [UInt32] = []) -> PeerCredentials {
        PeerCredentials(pid: 1234, uid: uid, gid: gid, groups: groups)
    }

    @Test func rootAndTheDaemonsUserAreAlwaysAllowed() {
        #expect(policy.decide(peer(uid: 0, gid: 0)) == .allowed)
        #expect(policy.decide(peer(uid: 995, gid: 995)) == .allowed)
        let noGroup = ControlAccessPolicy(groupName: "nosuchgroup", groupID: nil, daemonUID: 995)
        #expect(noGroup.decide(peer(uid: 0, gid: 0)) == .allowed)
        #expect(noGroup.decide(peer(uid: 995, gid: 100)) == .allowed)
    }

    @Test func membersGetInByPrimaryOrSupplementaryGroup() {
        #expect(policy.decide(peer(uid: 1000, gid: 990)) == .allowed)
        #expect(policy.decide(peer(uid: 1000, gid: 1000, groups: [27, 990, 1000])) == .allowed)
    }

    @Test func strangersAreRefusedWithWhatToDo() {
        guard case .refused(let message) = policy.decide(peer(uid: 1000, gid: 1000, groups: [27, 1000])) else {
            Issue.record("a stranger was let in")
            return
        }
        #expect(message.contains("user 1000"))
        #expect(message.contains("usermod -aG dropstream"))
        #expect(message.contains("sudo"))
    }

    @Test func withoutTheGroupOnlyRootAndTheDaemonGetIn() {
        let noGroup = ControlAccessPolicy(groupName: "nosuchgroup", groupID: nil, daemonUID: 995)
        guard case .refused(let message) = noGroup.decide(peer(uid: 1000, gid: 1000, groups: [990])) else {
            Issue.record("a user was let in although the control group does not exist")
            return
        }
        #expect(message.contains("'nosuchgroup' (control.group) does not exist"))
    }

    @Test func gidZeroCountsOnlyAsAPrimaryGroup() {
        // SO_PEERGROUPS pads with zeros; a control group of gid 0 must not match the padding.
        let rootGroup = ControlAccessPolicy(groupName: "0", groupID: 0, daemonUID: 995)
        #expect(rootGroup.decide(peer(uid: 1000, gid: 1000, groups: [0])) != .allowed)
        #expect(rootGroup.decide(peer(uid: 1000, gid: 0)) == .allowed)
    }

    @Test func groupsResolveByNameOrNumber() {
        #expect(ControlAccessPolicy.groupID(named: "root") == 0)
        #expect(ControlAccessPolicy.groupID(named: "54321") == 54321)
        #expect(ControlAccessPolicy.groupID(named: "no-such-group-dropstream-test") == nil)
    }

    @Test func procGroupsAreReadOnlyForTheRightUser() {
        let groups = PeerCredentials.procGroups(pid: getpid(), uid: getuid())
        #expect(groups != nil)
        #expect(PeerCredentials.procGroups(pid: getpid(), uid: getuid() &+ 1) == nil)
    }
}

/// The built daemon and ctl, with the ctl run as `nobody` (uid 65534) through setpriv. Root only:
/// changing uid needs it.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root to run dropstreamctl as another user with setpriv"))
struct ControlAccessEndToEndTests {
    /// A gid no test machine gives anyone; the daemon hands the socket to it.
    static let controlGID = "54321"
    static let nobody = "65534"

    /// `dropstreamctl ARGS --socket S` as uid/gid 65534, in `groups` (none when empty).
    func ctlAsNobody(_ world: FulfillmentWorld, groups: [String], _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let groupArguments = groups.isEmpty ? ["--clear-groups"] : ["--groups=" + groups.joined(separator: ",")]
        return try await SpawnedProcess.run(
            URL(fileURLWithPath: "/usr/bin/setpriv"),
            ["--reuid=\(Self.nobody)", "--regid=\(Self.nobody)"] + groupArguments
                + [BuiltProducts.executable("dropstreamctl").path] + arguments + ["--socket", world.socketPath])
    }

    /// The world's scratch directory is 0700; let other users reach the socket inside it.
    func openScratch(_ world: FulfillmentWorld) {
        chmod((world.socketPath as NSString).deletingLastPathComponent, 0o755)
    }

    @Test func strangersAreRefusedAndWriteNothing() async throws {
        try await FulfillmentWorld.with(orders: 1, config: ["control.group": Self.controlGID]) { world in
            openScratch(world)
            var info = stat()
            #expect(stat(world.socketPath, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o660, "the control socket is 0660")
            #expect(info.st_gid == 54321, "the control socket belongs to the control group")

            // The socket's mode keeps nobody out before the daemon is even asked.
            let denied = try await ctlAsNobody(world, groups: [], ["status"])
            #expect(denied.status == 77, "\(denied)")
            #expect(denied.stderr.contains("only root and members of the group '54321'"), "\(denied.stderr)")
            #expect(denied.stderr.contains("sudo usermod -aG 54321"), "\(denied.stderr)")

            // A socket left world-writable by mistake: the daemon itself refuses, reads and writes.
            chmod(world.socketPath, 0o666)
            let before = try await world.orderDetail(1)
            let read = try await ctlAsNobody(world, groups: [], ["orders", "list"])
            #expect(read.status == 77, "\(read)")
            #expect(read.stderr.contains("user 65534 may not use dropstreamd's control socket"), "\(read.stderr)")
            #expect(read.stderr.contains("or use sudo"), "\(read.stderr)")
            let write = try await ctlAsNobody(world, groups: [], ["orders", "hold", "1", "--reason", "should not happen"])
            #expect(write.status == 77, "\(write)")
            #expect(try await world.orderDetail(1) == before, "a refused write changed nothing")

            // The wire answer: 403 with the control API's error shape, unknown routes included.
            let curl = try await SpawnedProcess.run(
                URL(fileURLWithPath: "/usr/bin/setpriv"),
                ["--reuid=\(Self.nobody)", "--regid=\(Self.nobody)", "--clear-groups",
                 "/usr/bin/curl", "-s", "-w", "\n%{http_code}", "--unix-socket", world.socketPath, "http://localhost/v1/no-such-route"])
            let lines = curl.stdout.split(separator: "\n")
            #expect(lines.last == "403", "\(curl)")
            let body = try ControlAPI.makeDecoder().decode(ControlErrorBody.self, from: Data((lines.first ?? "").utf8))
            #expect(body.code == "forbidden")
            #expect(world.daemonLog.contains("control request refused"))
        }
    }

    @Test func membersMayReadAndTheirWritesAreRecordedWithTheirUID() async throws {
        try await FulfillmentWorld.with(orders: 2, config: ["control.group": Self.controlGID]) { world in
            openScratch(world)

            let list = try await ctlAsNobody(world, groups: [Self.controlGID], ["orders", "list", "--json"])
            #expect(list.status == 0, "\(list)")
            let orders = try ControlAPI.makeDecoder().decode(OrderListResponse.self, from: Data(list.stdout.utf8))
            #expect(orders.orders.count == 2)

            let hold = try await ctlAsNobody(world, groups: ["27", Self.controlGID], ["orders", "hold", "1", "--reason", "address check"])
            #expect(hold.status == 0, "\(hold)")
            #expect(try await world.orderDetail(1).events.last.map { "\($0.kind)/\($0.actor)" } == "held/operator:65534")

            // Root's own changes carry uid 0.
            let unhold = try await world.ctl(["orders", "unhold", "1"])
            #expect(unhold.status == 0, "\(unhold)")
            #expect(try await world.orderDetail(1).events.last.map { "\($0.kind)/\($0.actor)" } == "unheld/operator:\(getuid())")

            // A store change by a member shows in the store's history too.
            let pause = try await ctlAsNobody(world, groups: [Self.controlGID], ["store", "resume", FulfillmentWorld.storeName])
            #expect(pause.status == 0, "\(pause)")
            let store = try await world.ctlJSON(["store", "show", FulfillmentWorld.storeName], as: StoreDetail.self)
            #expect(store.history?.last.map { "\($0.kind)/\($0.actor)" } == "resumed/operator:65534")
        }
    }

    @Test func aMissingGroupLeavesOnlyRootAndTheDaemon() async throws {
        try await FulfillmentWorld.with(orders: 1, config: ["control.group": "no-such-group-dropstream-test"]) { world in
            openScratch(world)
            chmod(world.socketPath, 0o666)
            #expect(try await world.ctl(["status"]).status == 0, "root still gets in")
            let member = try await ctlAsNobody(world, groups: [Self.controlGID], ["status"])
            #expect(member.status == 77, "\(member)")
            #expect(member.stderr.contains("does not exist"), "\(member.stderr)")
            #expect(world.daemonLog.contains("the control group does not exist"))
        }
    }
}
