import Foundation

/// A parsed store API request, handed to the state actor in one hop.
struct StoreAPIRequest: Sendable {
    var method: String
    var path: String
    var store: String
    var token: String?
    var endpoint: SandboxEndpoint
    /// Path ids: order id, then sub-resource id.
    var ids: [Int]
    var query: [String: String]
    var body: [UInt8]
    var baseURL: String
}

/// What the router sends back.
struct StoreAPIResponse: Sendable {
    var status: Int
    var body: [UInt8]
    var rateLimit: SandboxRateLimit?
    /// Response-shaping faults the router applies (latency, reset, truncated, malformed).
    var fault: SandboxFault.Kind?
    var extraHeaders: [(String, String)] = []
}

extension SandboxState {
    /// Serves one store API request: gate (store, faults, quota, token), then the endpoint.
    func serve(_ req: StoreAPIRequest) -> StoreAPIResponse {
        let (decision, rl) = gate(store: req.store, token: req.token, endpoint: req.endpoint)
        var response: StoreAPIResponse
        var faultName: String?
        switch decision {
        case .reject(let status, let message, let withHeaders):
            response = StoreAPIResponse(status: status, body: SandboxRenderer.v2Error(status: status, message: message), rateLimit: withHeaders ? rl : nil)
            if status == 429 { response.extraHeaders = [("X-Retry-After", String(max(1, (rl.resetMs + 999) / 1000)))] }
        case .fault(let kind):
            faultName = "\(kind)"
            switch kind {
            case .rateLimited(let withHeaders):
                response = StoreAPIResponse(status: 429, body: SandboxRenderer.v2Error(status: 429, message: "Too many requests."), rateLimit: withHeaders ? rl : nil)
            case .serverError(let status):
                let message = status == 503 ? "The store is temporarily unavailable." : status == 502 ? "Bad Gateway" : "Internal Server Error"
                response = StoreAPIResponse(status: status, body: SandboxRenderer.v2Error(status: status, message: message), rateLimit: rl)
            default:
                response = StoreAPIResponse(status: 0, body: [], rateLimit: nil, fault: kind)
            }
        case .proceed(let s, let fault):
            do {
                response = try handle(req, store: s, fault: fault)
            } catch let e as SandboxError {
                response = StoreAPIResponse(status: e.status, body: SandboxRenderer.v2Error(status: e.status, message: e.message))
            } catch {
                response = StoreAPIResponse(status: 500, body: SandboxRenderer.v2Error(status: 500, message: "\(error)"))
            }
            response.rateLimit = rl
            if let fault {
                faultName = "\(fault)"
                if case .mutationBetweenPages = fault {} else { response.fault = fault }
            }
        }
        var loggedStatus = response.status
        if case .connectionReset? = response.fault { loggedStatus = 0 }
        record(method: req.method, path: req.path, store: stores[req.store] == nil ? nil : req.store, endpoint: req.endpoint,
               status: loggedStatus, fault: faultName)
        return response
    }

    private func notFound() -> SandboxError { SandboxError(status: 404, "The requested resource was not found.") }

    private func order(_ s: StoreData, _ req: StoreAPIRequest) throws -> SandboxOrder {
        guard let id = req.ids.first, let o = s.order(id) else { throw notFound() }
        return o
    }

    private func json(_ status: Int = 200, _ build: (inout JSONWriter) -> Void) -> StoreAPIResponse {
        var w = JSONWriter()
        build(&w)
        return StoreAPIResponse(status: status, body: w.bytes)
    }

    private static let empty = StoreAPIResponse(status: 204, body: [])

    private func handle(_ req: StoreAPIRequest, store s: StoreData, fault: SandboxFault.Kind?) throws -> StoreAPIResponse {
        let r = SandboxRenderer(baseURL: req.baseURL)
        switch req.endpoint {
        case .time:
            return json { $0.beginObject(); $0.key("time"); $0.int64(now()); $0.endObject() }

        case .listOrders:
            let q = try orderQuery(req.query, paging: true)
            let page = listOrders(store: s, query: q)
            guard !page.isEmpty else { return Self.empty }
            let cons = consignments(req.query)
            let fees = includesFees(req.query)
            var w = JSONWriter(capacity: page.count * 4096)
            w.beginArray()
            for o in page { r.order(&w, o, store: s, consignments: cons, fees: fees) }
            w.endArray()
            if case .mutationBetweenPages(let m)? = fault { applyMutation(m, store: s, served: page.map(\.id)) }
            return StoreAPIResponse(status: 200, body: w.bytes)

        case .countOrders:
            let q = try orderQuery(req.query, paging: false)
            let all = matching(store: s, query: q)
            var perStatus = [Int](repeating: 0, count: 15)
            for o in all where SandboxOrderStatus.isValid(o.statusID) { perStatus[o.statusID] += 1 }
            return json { w in
                w.beginObject()
                w.key("statuses")
                w.beginArray()
                for st in SandboxOrderStatus.all.sorted(by: { $0.order < $1.order }) { r.status(&w, id: st.id, store: s, count: perStatus[st.id]) }
                w.endArray()
                w.field("count", all.count)
                w.endObject()
            }

        case .getOrder:
            let o = try order(s, req)
            return json { r.order(&$0, o, store: s, consignments: consignments(req.query), fees: includesFees(req.query)) }

        case .updateOrder:
            _ = try order(s, req)
            let body = try jsonObject(req.body)
            let readOnly = ["id", "date_modified", "status", "custom_status", "items_total", "items_shipped", "order_is_digital", "date_shipped"]
            if let bad = readOnly.first(where: { body[$0] != nil }) {
                throw SandboxError(status: 400, "The field '\(bad)' cannot be written to. Please remove it from your request before trying again.")
            }
            var status: Int?
            if let v = body["status_id"] {
                guard let i = Self.intValue(v) else { throw SandboxError(status: 400, "The field 'status_id' is invalid.") }
                status = i
            }
            let o = try updateOrder(store: s, id: req.ids[0], statusID: status, isDeleted: body["is_deleted"] as? Bool,
                                    staffNotes: body["staff_notes"] as? String, customerMessage: body["customer_message"] as? String)
            return json { r.order(&$0, o, store: s, consignments: .link) }

        case .archiveOrder:
            _ = try order(s, req)
            _ = try updateOrder(store: s, id: req.ids[0], statusID: nil, isDeleted: true, staffNotes: nil, customerMessage: nil)
            return Self.empty

        case .listProducts:
            let o = try order(s, req)
            let (page, limit) = try paging(req.query)
            let slice = Self.pageSlice(o.lines, page: page, limit: limit)
            guard !slice.isEmpty else { return Self.empty }
            return json { w in w.beginArray(); for l in slice { r.line(&w, l, order: o) }; w.endArray() }

        case .getProduct:
            let o = try order(s, req)
            guard req.ids.count > 1, let l = o.lines.first(where: { $0.id == req.ids[1] }) else { throw notFound() }
            return json { r.line(&$0, l, order: o) }

        case .listShippingAddresses:
            let o = try order(s, req)
            let (page, limit) = try paging(req.query)
            let slice = Self.pageSlice(o.shippingAddresses, page: page, limit: limit)
            guard !slice.isEmpty else { return Self.empty }
            return json { w in w.beginArray(); for a in slice { r.shippingAddress(&w, a, order: o, store: s.hash) }; w.endArray() }

        case .getShippingAddress:
            let o = try order(s, req)
            guard req.ids.count > 1, let a = o.shippingAddresses.first(where: { $0.id == req.ids[1] }) else { throw notFound() }
            return json { r.shippingAddress(&$0, a, order: o, store: s.hash) }

        case .listCoupons:
            let o = try order(s, req)
            guard !o.coupons.isEmpty else { return Self.empty }
            return json { w in w.beginArray(); for c in o.coupons { r.coupon(&w, c, orderID: o.id) }; w.endArray() }

        case .getConsignments:
            let o = try order(s, req)
            let lines = (req.query["include"] ?? "").split(separator: ",").contains { $0 == "line_items" || $0 == "consignments.line_items" }
            return json { r.consignmentObject(&$0, o, store: s.hash, withLines: lines) }

        case .listFees:
            _ = try order(s, req)
            return Self.empty

        case .deleteShipment:
            let o = try order(s, req)
            guard req.ids.count > 1, let i = (s.shipments[o.id] ?? []).firstIndex(where: { $0.id == req.ids[1] }) else { throw notFound() }
            // Like BigCommerce: the shipment goes, the order keeps its status and shipped quantities.
            s.shipments[o.id]!.remove(at: i)
            return Self.empty

        case .listShipments:
            let o = try order(s, req)
            let (page, limit) = try paging(req.query)
            let slice = Self.pageSlice(s.shipments[o.id] ?? [], page: page, limit: limit)
            guard !slice.isEmpty else { return Self.empty }
            return json { w in w.beginArray(); for sh in slice { r.shipment(&w, sh) }; w.endArray() }

        case .countShipments:
            let o = try order(s, req)
            return json { w in w.beginObject(); w.field("count", (s.shipments[o.id] ?? []).count); w.endObject() }

        case .getShipment:
            let o = try order(s, req)
            guard req.ids.count > 1, let sh = (s.shipments[o.id] ?? []).first(where: { $0.id == req.ids[1] }) else { throw notFound() }
            return json { r.shipment(&$0, sh) }

        case .createShipment:
            _ = try order(s, req)
            let body = try jsonObject(req.body)
            guard let addr = body["order_address_id"].flatMap(Self.intValue) else {
                throw SandboxError(status: 400, "The required field 'order_address_id' was not supplied.")
            }
            guard let rawItems = body["items"] as? [Any] else { throw SandboxError(status: 400, "The required field 'items' was not supplied.") }
            var items: [(Int, Int)] = []
            for it in rawItems {
                guard let d = it as? [String: Any], let pid = d["order_product_id"].flatMap(Self.intValue), let q = d["quantity"].flatMap(Self.intValue) else {
                    throw SandboxError(status: 400, "The field 'items' is invalid: each item needs order_product_id and quantity.")
                }
                items.append((pid, q))
            }
            var sr = ShipmentRequest(orderAddressID: addr, items: items.map { (orderProductID: $0.0, quantity: $0.1) })
            sr.trackingNumber = body["tracking_number"] as? String ?? ""
            if sr.trackingNumber.count > 50 { throw SandboxError(status: 400, "The field 'tracking_number' is invalid: at most 50 characters.") }
            sr.shippingProvider = body["shipping_provider"] as? String ?? ""
            sr.trackingCarrier = body["tracking_carrier"] as? String ?? ""
            sr.trackingLink = body["tracking_link"] as? String ?? ""
            sr.shippingMethod = body["shipping_method"] as? String ?? ""
            sr.comments = body["comments"] as? String ?? ""
            if let c = body["merchant_shipping_cost"] { sr.merchantShippingCost = SandboxMoney("\(c)") ?? .zero }
            let sh = try createShipment(store: s, orderID: req.ids[0], sr)
            return json(201) { r.shipment(&$0, sh) }

        case .listOrderStatuses:
            return json { w in w.beginArray(); for st in 0...14 { r.status(&w, id: st, store: s) }; w.endArray() }

        case .getOrderStatus:
            guard let id = req.ids.first, SandboxOrderStatus.isValid(id) else { throw notFound() }
            return json { r.status(&$0, id: id, store: s) }

        case .unknown, .oauthToken:
            throw notFound()
        }
    }

    static func pageSlice<T>(_ a: [T], page: Int, limit: Int) -> ArraySlice<T> {
        let start = (page - 1) * limit
        guard start < a.count else { return [] }
        return a[start..<min(a.count, start + limit)]
    }

    static func intValue(_ v: Any) -> Int? {
        if let i = v as? Int { return i }
        if let s = v as? String { return Int(s) }
        if let d = v as? Double, d == d.rounded() { return Int(d) }
        return nil
    }

    private func jsonObject(_ body: [UInt8]) throws -> [String: Any] {
        guard !body.isEmpty, let o = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw SandboxError(status: 400, "The request body is not a valid JSON object.")
        }
        return o
    }

    private func includesFees(_ q: [String: String]) -> Bool {
        (q["include"] ?? "").split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == "fees" }
    }

    private func consignments(_ q: [String: String]) -> SandboxRenderer.Consignments {
        let include = Set((q["include"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        let lines = include.contains("consignments.line_items")
        guard lines || include.contains("consignments") else { return .link }
        return q["consignment_structure"] == "object" ? .object(withLines: lines) : .legacyArray(withLines: lines)
    }

    /// `page` (1-based) and `limit` (default 50, max 250; above: clamp or 413 per configuration).
    private func paging(_ q: [String: String]) throws -> (Int, Int) {
        var page = 1, limit = 50
        if let p = q["page"] {
            if let v = Int(p) { page = max(1, v) } else if configuration.invalidFilter == .reject400 { throw SandboxError(status: 400, "The field 'page' is invalid.") }
        }
        if let l = q["limit"] {
            if let v = Int(l) {
                if v > 250 {
                    if configuration.oversizedLimit == .reject413 { throw SandboxError(status: 413, "The limit of 250 objects per request was exceeded.") }
                    limit = 250
                } else if v >= 1 {
                    limit = v
                }
            } else if configuration.invalidFilter == .reject400 {
                throw SandboxError(status: 400, "The field 'limit' is invalid.")
            }
        }
        return (page, limit)
    }

    func orderQuery(_ p: [String: String], paging withPaging: Bool) throws -> OrderQuery {
        var q = OrderQuery()
        let strict = configuration.invalidFilter == .reject400
        func bad(_ k: String) throws { if strict { throw SandboxError(status: 400, "The field '\(k)' is invalid.") } }
        func int(_ k: String) throws -> Int? {
            guard let v = p[k] else { return nil }
            guard let i = Int(v.trimmingCharacters(in: .whitespaces)) else { try bad(k); return nil }
            return i
        }
        func date(_ k: String) throws -> SandboxTimestamp? {
            guard let v = p[k] else { return nil }
            guard let t = SandboxDate.parse(v) else { try bad(k); return nil }
            return t
        }
        func money(_ k: String) throws -> SandboxMoney? {
            guard let v = p[k] else { return nil }
            guard let m = SandboxMoney(v) else { try bad(k); return nil }
            return m
        }
        q.minID = try int("min_id"); q.maxID = try int("max_id")
        q.minTotal = try money("min_total"); q.maxTotal = try money("max_total")
        q.customerID = try int("customer_id")
        q.email = p["email"]
        q.statusID = try int("status_id")
        q.cartID = p["cart_id"]
        q.paymentMethod = p["payment_method"]
        q.minDateCreated = try date("min_date_created"); q.maxDateCreated = try date("max_date_created")
        q.minDateModified = try date("min_date_modified"); q.maxDateModified = try date("max_date_modified")
        q.channelID = try int("channel_id")
        q.externalOrderID = p["external_order_id"]
        if let d = p["is_deleted"] {
            switch d.lowercased() {
            case "true", "1": q.isDeleted = true
            case "false", "0": q.isDeleted = false
            default: try bad("is_deleted")
            }
        }
        if let sort = p["sort"] {
            let parts = sort.split(separator: ":", maxSplits: 1).map(String.init)
            if let f = parts.first.flatMap(OrderQuery.SortField.init(rawValue:)) {
                q.sort = f
                if parts.count == 2 {
                    switch parts[1].lowercased() {
                    case "asc": q.ascending = true
                    case "desc": q.ascending = false
                    default: try bad("sort")
                    }
                }
            } else {
                try bad("sort")
            }
        }
        if withPaging { (q.page, q.limit) = try paging(p) }
        return q
    }
}
