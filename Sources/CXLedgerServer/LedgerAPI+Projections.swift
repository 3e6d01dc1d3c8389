import CXLedgerCore
import Hummingbird

/// Projection status and rebuilds through the server.
extension LedgerAPI {
    // MARK: GET /v1/projections

    func projections(_ request: Request, _ context: LedgerRequestContext) throws -> Response {
        try QueryParameters(request).allowOnly([])
        let head = try log.head().position
        let progress = host.rebuildsInProgress()
        let list: [JSONValue] = try host.types.map { type in
            let status = try host.status(of: type.name)
            let checkpoint = status?.checkpoint ?? 0
            let rebuilding = rebuilds.isRunning(type.name)
            return .object([
                "name": .string(type.name),
                "version": .number(Double(status?.version ?? type.version)),
                "checkpoint": .number(Double(checkpoint)),
                "lag": .number(Double(max(0, head - checkpoint))),
                "state": .string(rebuilding ? "rebuilding" : "live"),
                "progress": rebuilding ? (progress[type.name]?.json ?? .object(["applied": 0, "total": .number(Double(head))]))
                                       : .null,
                "lastError": rebuilds.failure(type.name).map(JSONValue.string) ?? .null,
            ])
        }
        return JSONResponse.make(["projections": .array(list), "head": .number(Double(head))])
    }

    // MARK: POST /v1/projections/{name}/rebuild

    func rebuild(_ request: Request, _ context: LedgerRequestContext) throws -> Response {
        try QueryParameters(request).allowOnly([])
        let name = try pathParameter("name", context)
        guard let type = ProjectionCatalog.named(name), host.types.contains(where: { $0 == type }) else {
            let known = host.types.map { $0.name }.joined(separator: ", ")
            throw APIError(.notFound, "projection \(name) is unknown (known: \(known))", field: "name")
        }
        let started = rebuilds.start(type, host: host, logger: logger)
        return JSONResponse.make(["projection": .string(name), "state": "rebuilding", "started": .bool(started)],
                                 status: .accepted)
    }
}
