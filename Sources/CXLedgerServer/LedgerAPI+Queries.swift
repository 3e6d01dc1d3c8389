import CXLedgerCore
import Hummingbird

/// The projection queries: open cases, one case (also as of an earlier moment), related cases,
/// customer history and at-risk customers. Each answers from one LMDB read snapshot.
extension LedgerAPI {
    // MARK: GET /v1/cases/open

    func openCases(_ request: Request, _ context: LedgerRequestContext) throws -> Response {
        let query = QueryParameters(request)
        try query.allowOnly(["minLevel", "segment", "breached", "olderThanHours", "owner", "customerId", "limit", "cursor"])
        let filter = OpenCasesFilter(
            minLevel: try query.int("minLevel", min: 0),
            segment: try query.string("segment"),
            breached: try query.bool("breached") ?? false,
            olderThanHours: try query.seconds("olderThanHours", max: 1e9),
            owner: try query.string("owner"),
            customerId: try query.string("customerId"),
            limit: try query.int("limit", min: 1, max: OpenCasesFilter.maxLimit) ?? OpenCasesFilter.defaultLimit,
            cursor: try query.string("cursor"))
        let now = self.now
        let (cases, nextCursor) = try log.read { txn in
            try host.projection(OpenCasesProjection.self).list(filter: filter, now: now, in: txn)
        }
        return JSONResponse.make(["cases": .array(cases), "nextCursor": nextCursor.map(JSONValue.string) ?? .null])
    }

    // MARK: GET /v1/cases/{caseId}

    func caseView(_ request: Request, _ context: LedgerRequestContext) throws -> Response {
        let query = QueryParameters(request)
        try query.allowOnly(["asOf"])
        let caseId = try pathParameter("caseId", context)
        let now = self.now
        if let asOfText = try query.string("asOf") {
            guard let moment = CaseTimeTravel.Moment(asOfText) else {
                throw APIError.invalidQuery("asOf", "must be a position (≥ 1) or an RFC 3339 date-time, not \(asOfText)")
            }
            let view = try log.read { txn in
                try CaseTimeTravel.state(caseId, asOf: moment, now: now, log: log, host: host, in: txn)
            }
            guard let view else {
                throw APIError(.notFound, "case \(caseId) is unknown, or was not opened as of \(asOfText)", field: "caseId")
            }
            return JSONResponse.make(view)
        }
        let view = try log.read { txn in
            try host.projection(OpenCasesProjection.self).caseView(caseId, now: now, in: txn)
        }
        guard let view else { throw APIError(.notFound, "case \(caseId) is unknown", field: "caseId") }
        return JSONResponse.make(view)
    }

    // MARK: GET /v1/cases/{caseId}/related

    func relatedCases(_ request: Request, _ context: LedgerRequestContext) throws -> Response {
        try QueryParameters(request).allowOnly([])
        let caseId = try pathParameter("caseId", context)
        let view = try log.read { txn in
            try host.projection(RepeatIncidentsProjection.self).related(caseId, in: txn)
        }
        guard let view else { throw APIError(.notFound, "case \(caseId) is unknown", field: "caseId") }
        return JSONResponse.make(view)
    }

    // MARK: GET /v1/customers/{customerId}/history

    func customerHistory(_ request: Request, _ context: LedgerRequestContext) throws -> Response {
        let query = QueryParameters(request)
        try query.allowOnly(["limit", "before"])
        let customerId = try pathParameter("customerId", context)
        let limit = try query.int("limit", min: 1, max: 1000) ?? 50
        let before = try query.int("before", min: 1)
        let view = try log.read { txn in
            try host.projection(CustomerHistoryProjection.self).history(customerId, limit: limit, before: before, from: log, in: txn)
        }
        guard let view else { throw APIError(.notFound, "customer \(customerId) is unknown", field: "customerId") }
        return JSONResponse.make(view)
    }

    // MARK: GET /v1/at-risk

    func atRisk(_ request: Request, _ context: LedgerRequestContext) throws -> Response {
        let query = QueryParameters(request)
        try query.allowOnly(["limit"])
        let limit = try query.int("limit", min: 1, max: 1000) ?? 50
        let view = try log.read { txn in try host.projection(AtRiskProjection.self).top(limit: limit, in: txn) }
        return JSONResponse.make(view)
    }
}
