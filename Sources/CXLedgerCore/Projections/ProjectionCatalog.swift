/// The projections this build of the ledger maintains.
public enum ProjectionCatalog {
    public static let all: [any Projection.Type] = [
        OpenCasesProjection.self, CustomerHistoryProjection.self, RepeatIncidentsProjection.self, AtRiskProjection.self,
    ]

    public static func named(_ name: String) -> (any Projection.Type)? {
        all.first { $0.name == name }
    }
}
