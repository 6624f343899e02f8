import Foundation
import Hummingbird
import NIOCore

extension SandboxRouter {
    /// The admin API under `/_sandbox/v1` (routes documented on `SandboxRouter`).
    func admin(_ request: inout Request, parts p: [String], query: [String: String], versionOK: Bool) async throws -> Response {
        guard versionOK else { return Self.json(404, ["error": "The admin API lives under /_sandbox/v1."]) }
        let m = request.method
        var body: [String: Any] = [:]
        if m == .post || m == .put || m == .patch {
            var buf = try await request.collectBody(upTo: 4 << 20)
            if buf.readableBytes > 0 {
                guard let o = try? JSONSerialization.jsonObject(with: Data(buf.readBytes(length: buf.readableBytes)!)) as? [String: Any] else {
                    return Self.json(400, ["error": "The body is not a JSON object."])
                }
                body = o
            }
        }
        do {
            return try await adminRoute(m, p, body: body, query: query, request: request)
        } catch let e as SandboxError {
            return Self.json(e.status, ["error": e.message])
        }
    }

    private func adminRoute(_ m: HTTPRequest.Method, _ p: [String], body: [String: Any], query: [String: String], request: Request) async throws -> Response {
        let st = state
        func int(_ k: String) -> Int? { body[k].flatMap(SandboxState.intValue) }
        func storeExists(_ h: String) async throws { _ = try await st.ownerEmail(store: h) }
        switch (m, p.count, p.first) {
        case (.get, 1, "stores"?):
            var list: [[String: Any]] = []
            for h in await st.storeHashes() {
                let q = (try? await st.rateLimit(store: h))?.quota ?? st.configuration.defaultQuota
                let email = try await st.ownerEmail(store: h)
                let count = try await st.orderCount(store: h)
                let installed = try await st.isInstalled(store: h)
                list.append(["hash": h, "owner_email": email, "quota": q, "orders": count, "installed": installed])
            }
            return Self.json(200, list)
        case (.post, 1, "stores"?):
            guard let hash = body["hash"] as? String else { throw SandboxError.badRequest("hash is required.") }
            var labels: [Int: String] = [:]
            for (k, v) in body["custom_status_labels"] as? [String: Any] ?? [:] { if let i = Int(k), let s = v as? String { labels[i] = s } }
            try await st.createStore(hash: hash, ownerEmail: body["owner_email"] as? String, quota: int("quota"), customStatusLabels: labels)
            if let n = int("orders"), n > 0 { try await st.seedOrders(store: hash, count: n, seed: UInt64(int("seed") ?? 1)) }
            var out: [String: Any] = ["hash": hash]
            if body["issue_token"] as? Bool == true {
                let token = try await st.issueToken(store: hash)
                out["token"] = token
            }
            return Self.json(201, out)
        case (.post, 3, "tokens"?) where p[2] == "revoke":
            try await st.revokeToken(p[1])
            return Self.json(200, ["revoked": true])
        case (.get, 1, "faults"?):
            let list = await st.activeFaults().map { f -> [String: Any] in
                ["id": f.id.rawValue, "fault": "\(f.fault.kind)", "store": nullable(f.fault.store), "endpoint": nullable(f.fault.endpoint?.name),
                 "remaining": nullable(f.remaining), "fired": f.fired]
            }
            return Self.json(200, list)
        case (.post, 1, "faults"?):
            let fault = try Self.parseFault(body)
            let id = await st.injectFault(fault)
            return Self.json(201, ["id": id.rawValue])
        case (.delete, 1, "faults"?):
            await st.removeAllFaults()
            return Self.json(200, ["removed": true])
        case (.delete, 2, "faults"?):
            guard let id = Int(p[1]) else { throw SandboxError.badRequest("fault id is an integer.") }
            await st.removeFault(SandboxFaultID(rawValue: id))
            return Self.json(200, ["removed": true])
        case (.get, 1, "requests"?):
            var counts: [String: Int] = [:]
            let raw: [SandboxEndpoint: Int]
            if let store = query["store"] { raw = await st.requestCounts(store: store) } else { raw = await st.requestCounts() }
            for (k, v) in raw { counts[k.name] = v }
            var violations: [String: Int] = [:]
            for h in await st.storeHashes() {
                let v = try await st.quotaViolations(store: h)
                violations[h] = v
            }
            let log = await st.requestLog().filter { query["store"] == nil || $0.store == query["store"] }.map { r -> [String: Any] in
                ["sequence": r.sequence, "time": SandboxDate.iso8601(r.time), "method": r.method, "path": r.path, "store": nullable(r.store),
                 "endpoint": r.endpoint, "status": r.status, "fault": nullable(r.fault)]
            }
            return Self.json(200, ["counts": counts, "quota_violations": violations, "log": log])
        case (.post, 2, "requests"?) where p[1] == "reset":
            await st.resetCounters()
            return Self.json(200, ["reset": true])
        case (.get, 1, "clock"?), (.put, 1, "clock"?), (.post, 2, "clock"?):
            if m == .put { await st.setClockOffset(seconds: Int64(int("offset_seconds") ?? 0)) }
            if m == .post {
                guard p[1] == "advance" else { break }
                await st.advanceClock(seconds: Int64(int("seconds") ?? 0))
            }
            let now = await st.now()
            let offset = await st.clockOffsetSeconds()
            return Self.json(200, ["now": now, "now_rfc2822": SandboxDate.rfc2822(now), "offset_seconds": offset])
        default:
            break
        }
        guard p.count >= 3, p[0] == "stores" else { throw SandboxError.notFound("No admin route \(m.rawValue) /_sandbox/v1/\(p.joined(separator: "/")).") }
        let hash = p[1]
        try await storeExists(hash)
        let renderer = SandboxRenderer(baseURL: currentBaseURL(request))
        switch (m, p.count, p[2]) {
        case (.post, 3, "seed"):
            var mix = SandboxStatusMix.realistic
            if let sm = body["status_mix"] as? [String: Any] {
                mix = SandboxStatusMix(sm.compactMap { k, v in Int(k).flatMap { id in SandboxState.intValue(v).map { (id, $0) } } }.sorted { $0.0 < $1.0 })
            }
            let r = try await st.seedOrders(store: hash, count: int("count") ?? 0, seed: UInt64(int("seed") ?? 1), statusMix: mix)
            return Self.json(201, ["first_id": nullable(r?.lowerBound), "last_id": nullable(r?.upperBound)])
        case (.get, 3, "orders"):
            let bytes = try await st.renderAdminOrders(store: hash, renderer: renderer)
            var h = HTTPFields()
            h[.contentType] = "application/json"
            return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case (.post, 3, "orders"):
            let existing = try await st.orderCount(store: hash)
            let o = try await st.createOrder(store: hash, Self.parseOrder(body, seed: UInt64(existing)))
            return Self.json(201, ["id": o.id, "line_ids": o.lines.map(\.id), "address_ids": o.shippingAddresses.map(\.id)])
        case (.patch, 4, "orders"):
            guard let id = Int(p[3]) else { throw SandboxError.badRequest("order id is an integer.") }
            let edit = try Self.parseEdit(body)
            let o = try await st.editOrder(store: hash, id: id, edit)
            return Self.json(200, ["id": o.id, "line_ids": o.lines.map(\.id), "date_modified": SandboxDate.rfc2822(o.dateModified)])
        case (.put, 5, "orders") where p[4] == "status":
            guard let id = Int(p[3]), let s = int("status_id") else { throw SandboxError.badRequest("status_id is required.") }
            let o = try await st.setStatus(store: hash, id: id, statusID: s)
            return Self.json(200, ["id": o.id, "status_id": o.statusID])
        case (.post, 5, "orders") where p[4] == "cancel" || p[4] == "archive":
            guard let id = Int(p[3]) else { throw SandboxError.badRequest("order id is an integer.") }
            let o: SandboxOrder
            if p[4] == "cancel" { o = try await st.cancelOrder(store: hash, id: id) } else { o = try await st.archiveOrder(store: hash, id: id) }
            return Self.json(200, ["id": o.id, "status_id": o.statusID, "is_deleted": o.isDeleted])
        case (.get, 3, "shipments"):
            let list = try await st.shipments(store: hash, orderID: query["order_id"].flatMap { Int($0) })
            var w = JSONWriter()
            w.beginArray()
            for s in list { renderer.shipment(&w, s) }
            w.endArray()
            var h = HTTPFields()
            h[.contentType] = "application/json"
            return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: w.bytes)))
        case (.post, 3, "tokens"):
            let token = try await st.issueToken(store: hash)
            return Self.json(201, ["token": token])
        case (.post, 3, "uninstall"):
            let r = try await st.uninstall(store: hash)
            return Self.json(200, ["callback_url": nullable(r.callbackURL), "callback_status": nullable(r.callbackStatus), "error": nullable(r.error)])
        case (.get, 3, "load-url"):
            let url = try await st.loadCallbackURL(store: hash)
            return Self.json(200, ["url": url])
        case (.put, 3, "quota"):
            try await st.setQuota(store: hash, quota: int("quota"))
            return Self.json(200, ["quota": int("quota") ?? st.configuration.defaultQuota])
        case (.post, 4, "quota") where p[3] == "reset":
            try await st.resetQuotaWindow(store: hash)
            return Self.json(200, ["reset": true])
        case (.put, 3, "status-labels"):
            for (k, v) in body {
                guard let id = Int(k), SandboxOrderStatus.isValid(id) else { throw SandboxError.badRequest("status ids are 0...14.") }
                try await st.setCustomStatusLabel(store: hash, statusID: id, label: v as? String)
            }
            return Self.json(200, ["updated": body.count])
        default:
            throw SandboxError.notFound("No admin route \(m.rawValue) /_sandbox/v1/\(p.joined(separator: "/")).")
        }
    }

    static func parseFault(_ b: [String: Any]) throws -> SandboxFault {
        let kind: SandboxFault.Kind
        func int(_ k: String) -> Int? { b[k].flatMap(SandboxState.intValue) }
        switch b["kind"] as? String ?? "" {
        case "rate_limited": kind = .rateLimited(withHeaders: b["with_headers"] as? Bool ?? true)
        case "server_error": kind = .serverError(status: int("status") ?? 500)
        case "latency": kind = .latency(.milliseconds(int("latency_ms") ?? 1000))
        case "connection_reset": kind = .connectionReset
        case "truncated_json": kind = .truncatedJSON
        case "malformed_json": kind = .malformedJSON
        case "mutation":
            let n = int("count") ?? 1
            switch b["mutation"] as? String ?? "touch" {
            case "touch": kind = .mutationBetweenPages(.touchServedOrders(count: n))
            case "change_status": kind = .mutationBetweenPages(.changeStatusOfServedOrders(count: n, to: int("to_status") ?? SandboxOrderStatus.cancelled))
            case "create": kind = .mutationBetweenPages(.createOrders(count: n))
            default: throw SandboxError.badRequest("mutation is touch, change_status or create.")
            }
        default:
            throw SandboxError.badRequest("kind is rate_limited, server_error, latency, connection_reset, truncated_json, malformed_json or mutation.")
        }
        var endpoint: SandboxEndpoint?
        if let e = b["endpoint"] as? String {
            guard let v = SandboxEndpoint(name: e) else { throw SandboxError.badRequest("Unknown endpoint \(e).") }
            endpoint = v
        }
        let trigger: SandboxFault.Trigger
        if let pr = b["probability"] as? Double ?? (b["probability"] as? Int).map(Double.init) {
            trigger = .probability(pr, seed: UInt64(int("seed") ?? 42))
        } else {
            trigger = .nextRequests(int("next") ?? 1)
        }
        return SandboxFault(kind, trigger: trigger, store: b["store"] as? String, endpoint: endpoint)
    }

    static func parseAddress(_ a: Any?) -> SandboxAddress? {
        guard let d = a as? [String: Any] else { return nil }
        func s(_ k: String) -> String { d[k] as? String ?? "" }
        return SandboxAddress(firstName: s("first_name"), lastName: s("last_name"), company: s("company"), street1: s("street_1"),
                              street2: s("street_2"), city: s("city"), state: s("state"), zip: s("zip"),
                              country: d["country"] as? String ?? "United States", countryISO2: d["country_iso2"] as? String ?? "US",
                              phone: s("phone"), email: s("email"))
    }

    static func parseLines(_ a: Any?) throws -> [SandboxLineItem]? {
        guard let list = a as? [[String: Any]] else { return nil }
        return try list.enumerated().map { i, d in
            guard let sku = d["sku"] as? String, let q = d["quantity"].flatMap(SandboxState.intValue), q > 0 else {
                throw SandboxError.badRequest("Each line needs sku and a positive quantity.")
            }
            let price = d["price"].flatMap { SandboxMoney("\($0)") } ?? SandboxMoney(cents: 1000)
            let type = (d["type"] as? String).flatMap(SandboxLineType.init(rawValue:)) ?? .physical
            return SandboxLineItem(productID: d["product_id"].flatMap(SandboxState.intValue) ?? 1000 + i,
                                   variantID: d["variant_id"].flatMap(SandboxState.intValue) ?? 0,
                                   name: d["name"] as? String ?? sku, sku: sku, type: type, price: price, quantity: q)
        }
    }

    static func parseOrder(_ b: [String: Any], seed: UInt64) throws -> SandboxOrder {
        var r = SandboxRandom(seed: seed &+ 7919)
        var o = SandboxSeeder.order(&r, statusID: b["status_id"].flatMap(SandboxState.intValue) ?? SandboxOrderStatus.awaitingFulfillment, created: 0)
        if let a = parseAddress(b["billing_address"]) { o.billingAddress = a }
        if let a = parseAddress(b["shipping_address"]) { o.shippingAddresses[0].address = a }
        if let l = try parseLines(b["lines"]) { o.lines = l }
        if let c = b["customer_id"].flatMap(SandboxState.intValue) { o.customerID = c }
        if let c = b["channel_id"].flatMap(SandboxState.intValue) { o.channelID = c }
        if let e = b["external_order_id"] as? String { o.externalOrderID = e }
        if let e = b["customer_message"] as? String { o.customerMessage = e }
        if let d = b["date_created"] as? String {
            guard let t = SandboxDate.parse(d) else { throw SandboxError.badRequest("date_created is not a date.") }
            o.dateCreated = t
        }
        if let d = b["date_modified"] as? String {
            guard let t = SandboxDate.parse(d) else { throw SandboxError.badRequest("date_modified is not a date.") }
            o.dateModified = t
        }
        return o
    }

    static func parseEdit(_ b: [String: Any]) throws -> @Sendable (inout SandboxOrder) -> Void {
        let billing = parseAddress(b["billing_address"])
        let shipping = parseAddress(b["shipping_address"])
        let lines = try parseLines(b["lines"])
        let notes = b["staff_notes"] as? String
        let message = b["customer_message"] as? String
        return { o in
            if let billing { o.billingAddress = billing }
            if let shipping, !o.shippingAddresses.isEmpty { o.shippingAddresses[0].address = shipping }
            if let lines { o.lines = lines }
            if let notes { o.staffNotes = notes }
            if let message { o.customerMessage = message }
        }
    }
}

/// `v` or JSON null.
func nullable(_ v: Any?) -> Any { v ?? NSNull() }

extension SandboxState {
    /// Every order of a store rendered like the store API (archived included, consignments with lines).
    func renderAdminOrders(store: String, renderer: SandboxRenderer) throws -> [UInt8] {
        let s = try data(store)
        var w = JSONWriter(capacity: s.count * 4096)
        w.beginArray()
        for o in s.orders { renderer.order(&w, o, store: s, consignments: .object(withLines: true)) }
        w.endArray()
        return w.bytes
    }
}
