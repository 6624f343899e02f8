import DropStreamCore
import Foundation
import Hummingbird
import Logging
import NIOCore

// Who may use the control socket (DESIGN §7; tailscale's localapi is the model): the kernel
// tells us who is on the other end of each connection (SO_PEERCRED, SO_PEERGROUPS), and one
// policy decides. The socket's mode (0660, group `control.group`) is the first gate; this is the
// second, so a socket left world-writable by mistake still refuses strangers.

/// The process on the other end of a control connection, as the kernel reported it at connect.
struct PeerCredentials: Sendable, Equatable {
    var pid: Int32
    var uid: UInt32
    var gid: UInt32
    /// Supplementary groups; the primary `gid` is not necessarily among them.
    var groups: [UInt32]

    /// Who made a change, for the order and store history: `operator:UID`.
    var actor: EventActor { .operator(uid: uid) }
}

/// Decides who may use the control socket: root, the daemon's own user, and members of the
/// control group (by primary gid or supplementary group). Reads and writes need the same; a
/// write is recorded with the caller's uid.
struct ControlAccessPolicy: Sendable {
    /// The configured group, as written (`control.group`), for messages.
    let groupName: String
    /// Its gid; nil when no such group exists (then only root and the daemon's user get in).
    let groupID: UInt32?
    /// The daemon's own uid.
    let daemonUID: UInt32

    enum Decision: Equatable {
        case allowed
        case refused(String)
    }

    /// Looks the group up now. A numeric `control.group` is a gid whether or not it has a name.
    static func resolve(group: String, daemonUID: UInt32 = getuid()) -> ControlAccessPolicy {
        ControlAccessPolicy(groupName: group, groupID: groupID(named: group), daemonUID: daemonUID)
    }

    static func groupID(named group: String) -> UInt32? {
        if let number = UInt32(group) { return number }
        var entry = group_t()
        var result: UnsafeMutablePointer<group_t>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        let status = getgrnam_r(group, &entry, &buffer, buffer.count, &result)
        guard status == 0, result != nil else { return nil }
        return entry.gr_gid
    }

    func decide(_ peer: PeerCredentials) -> Decision {
        if peer.uid == 0 || peer.uid == daemonUID { return .allowed }
        if let groupID, peer.gid == groupID || (groupID != 0 && peer.groups.contains(groupID)) { return .allowed }
        let remedy: String
        if groupID == nil {
            remedy = "the group '\(groupName)' (control.group) does not exist on this system, so only root and the daemon's user may; "
                + "create it and add the user (sudo groupadd \(groupName); sudo usermod -aG \(groupName) USER, then log in again), or use sudo"
        } else {
            remedy = "add the user to the group (sudo usermod -aG \(groupName) USER, then log in again) or use sudo"
        }
        return .refused("permission denied: user \(peer.uid) may not use dropstreamd's control socket; "
            + "only root, the daemon's user and members of the group '\(groupName)' may. To allow it, \(remedy).")
    }
}

private typealias group_t = group

/// The control API's request context: the Hummingbird basics, the connection (for its peer
/// credentials) and, once ``ControlAccessMiddleware`` let the request in, the caller.
struct ControlRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    /// Set by ``ControlAccessMiddleware`` before any route runs.
    var caller: PeerCredentials?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The history's actor for a change this request makes: `operator:UID`.
    var operatorActor: EventActor { caller?.actor ?? EventActor(rawValue: "operator") }
}

/// Reads the peer credentials of every request's connection and lets in only what
/// ``ControlAccessPolicy`` allows; everyone else gets 403 with the control API's error shape.
/// It wraps the whole router, unknown routes included, so a stranger learns nothing.
struct ControlAccessMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext
    let policy: ControlAccessPolicy
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let peer: PeerCredentials
        do {
            peer = try await PeerCredentials.read(from: context.channel)
        } catch {
            // Fail closed: without credentials nobody is let in.
            logger.error("cannot read a control client's peer credentials; refused", metadata: ["error": "\(error)"])
            throw ControlAPIError.forbidden("permission denied: the daemon could not tell who is calling (\(error))")
        }
        switch policy.decide(peer) {
        case .allowed:
            var context = context
            context.caller = peer
            return try await next(request, context)
        case .refused(let message):
            logger.notice("control request refused: caller is not root, the daemon's user or in the control group", metadata: [
                "uid": .stringConvertible(peer.uid), "gid": .stringConvertible(peer.gid), "pid": .stringConvertible(peer.pid),
                "method": .stringConvertible(request.method), "path": .string(request.uri.path),
            ])
            throw ControlAPIError.forbidden(message)
        }
    }
}

/// `struct ucred` (Glibc hides it behind _GNU_SOURCE): the same layout, pid, uid, gid.
private struct UCred: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// Room for SO_PEERGROUPS' answer; a peer in more groups makes getsockopt fail with ERANGE and
/// we read `/proc/PID/status` instead.
private struct PeerGroups: Sendable {
    var gids = InlineArray<256, UInt32>(repeating: 0)
}

extension PeerCredentials {
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    /// Asks the kernel about the connection's peer: SO_PEERCRED, then SO_PEERGROUPS.
    static func read(from channel: any Channel) async throws -> PeerCredentials {
        guard let provider = channel as? any SocketOptionProvider else {
            throw Unavailable(description: "the connection is not a socket")
        }
        let credentials: UCred = try await provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)).get()
        var peer = PeerCredentials(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid, groups: [])
        // Root and the daemon's user need no groups; skip the second call for them (the warehouse
        // integration usually runs as one of these and is the hot path).
        if peer.uid == 0 || peer.uid == getuid() { return peer }
        do {
            let answer: PeerGroups = try await provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERGROUPS)).get()
            // The kernel does not say how many it wrote; the rest of the buffer stays zero, so a
            // zero entry is padding (policy never lets gid 0 in through supplementary groups).
            var groups: [UInt32] = []
            for index in answer.gids.indices where answer.gids[index] != 0 { groups.append(answer.gids[index]) }
            peer.groups = groups
        } catch {
            peer.groups = procGroups(pid: peer.pid, uid: peer.uid) ?? []
        }
        return peer
    }

    /// The `Groups:` line of `/proc/PID/status`, only while that pid still belongs to `uid`.
    static func procGroups(pid: Int32, uid: UInt32) -> [UInt32]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        var groups: [UInt32]?
        var uidMatches = false
        for line in text.split(separator: "\n") {
            if line.hasPrefix("Uid:") {
                uidMatches = line.dropFirst(4).split(whereSeparator: { $0 == "\t" || $0 == " " }).first.flatMap { UInt32($0) } == uid
            } else if line.hasPrefix("Groups:") {
                groups = line.dropFirst(7).split(whereSeparator: { $0 == "\t" || $0 == " " }).compactMap { UInt32($0) }
            }
        }
        return uidMatches ? groups : nil
    }
}
