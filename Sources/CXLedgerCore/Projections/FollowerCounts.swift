/// The latest follower count per channel; a customer's `followers` is the largest of them.
public struct FollowerCounts: Sendable, Equatable {
    public private(set) var channels: [(channel: String, followers: Int)] = []

    public init() {}

    public var largest: Int? { channels.map(\.followers).max() }

    public mutating func observe(channel: String, followers: Int) {
        if let i = channels.firstIndex(where: { $0.channel == channel }) {
            channels[i].followers = followers
        } else {
            channels.append((channel, followers))
        }
    }

    public static func == (a: FollowerCounts, b: FollowerCounts) -> Bool {
        a.channels.map(\.channel) == b.channels.map(\.channel) && a.channels.map(\.followers) == b.channels.map(\.followers)
    }

    func write(to w: inout ByteWriter) {
        w.int(channels.count)
        for c in channels {
            w.string(c.channel)
            w.int(c.followers)
        }
    }

    static func read(from r: inout ByteReader, limit: Int) -> FollowerCounts {
        var f = FollowerCounts()
        for _ in 0..<max(0, min(r.int(), limit)) { f.channels.append((r.string(), r.int())) }
        return f
    }
}
