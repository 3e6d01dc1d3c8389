import Hummingbird

/// The per-request context: Hummingbird's core storage (logger, path parameters) and nothing more,
/// because every handler reaches the ledger through `LedgerAPI`.
public struct LedgerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
