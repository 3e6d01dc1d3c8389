import Hummingbird

/// The route table of SPEC's wire protocol, for the read-write or the read-only listener.
enum LedgerRoutes {
    static func router(_ api: LedgerAPI, readOnly: Bool) -> Router<LedgerRequestContext> {
        let router = Router(context: LedgerRequestContext.self)
        // Middleware must be in place before the routes it wraps.
        router.add(middleware: ErrorMiddleware(metrics: api.metrics))
        if readOnly { router.add(middleware: ReadOnlyMiddleware()) }

        router.post("/v1/events",                          use: api.appendEvents)
        router.get("/v1/events",                           use: api.readEvents)
        router.get("/v1/streams/{stream}",                 use: api.readStream)
        router.get("/v1/cases/open",                       use: api.openCases)
        router.get("/v1/cases/{caseId}",                   use: api.caseView)
        router.get("/v1/cases/{caseId}/related",           use: api.relatedCases)
        router.get("/v1/customers/{customerId}/history",   use: api.customerHistory)
        router.get("/v1/at-risk",                          use: api.atRisk)
        router.get("/v1/projections",                      use: api.projections)
        router.post("/v1/projections/{name}/rebuild",      use: api.rebuild)
        router.get("/v1/audit/head",                       use: api.auditHead)
        router.get("/v1/health",                           use: api.health)
        router.get("/metrics",                             use: api.metricsText)
        return router
    }
}
