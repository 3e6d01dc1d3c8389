/// What the registry records of one projection.
public struct ProjectionStatus: Sendable, Equatable {
    public var name: String
    public var version: Int
    public var generation: Int
    /// The last position applied.
    public var checkpoint: Int

    var json: JSONValue {
        .object(["version": .number(Double(version)), "generation": .number(Double(generation)),
                 "checkpoint": .number(Double(checkpoint))])
    }

    init(name: String, version: Int, generation: Int, checkpoint: Int) {
        self.name = name
        self.version = version
        self.generation = generation
        self.checkpoint = checkpoint
    }

    init?(name: String, json: JSONValue) {
        guard let v = json["version"]?.intValue, let g = json["generation"]?.intValue,
              let c = json["checkpoint"]?.intValue else { return nil }
        self.init(name: name, version: v, generation: g, checkpoint: c)
    }
}
