import Testing
@testable import CXLedgerCore

@Suite("DenseMap and FoldIdentifiers: a rebuild's state by number")
struct DenseMapTests {
    @Test("values by number: holes read as absent, changes happen where values lie")
    func valuesByNumber() {
        var map = DenseMap<[Int]>()
        #expect(map[0] == nil && map[100] == nil)
        map[5] = nil
        #expect(map.numbers.isEmpty)
        map[3] = [3]
        map.update(1, from: [1]) { $0.append(10) }
        map.update(1, from: [99]) { $0.append(11) }
        map.updateIfPresent(2) { $0.append(20) }
        map.updateIfPresent(3) { $0.append(30) }
        #expect(map[2] == nil)
        #expect(map.numbers == [1, 3])
        #expect(map.numbers.map { map[$0]! } == [[1, 10, 11], [3, 30]])
        map[3] = nil
        #expect(map.numbers == [1] && map[3] == nil)
    }

    @Test("customers and cases are numbered once, in the order met, and listed in key order")
    func numbering() {
        let ids = FoldIdentifiers(cases: 4)
        #expect(ids.customer(UTF8Key("b")) == 0)
        #expect(ids.customer(UTF8Key("a")) == 1)
        #expect(ids.customer(UTF8Key("b")) == 0)
        #expect(ids.opened(UTF8Key("c-2")) == nil)
        #expect(ids.opening(UTF8Key("c-2")) == 0)
        #expect(ids.opening(UTF8Key("c-10")) == 1)
        #expect(ids.opening(UTF8Key("c-2")) == 0)
        #expect(ids.opened(UTF8Key("c-10")) == 1)
        #expect(ids.customersInKeyOrder([0, 1]) == [1, 0])
        #expect(ids.casesInKeyOrder([0, 1]) == [1, 0])
        let other = FoldIdentifiers(cases: 1)
        _ = other.opening(UTF8Key("c-3"))
        #expect(!ids.sharesCases(with: other) && !other.sharesCases(with: ids))
        _ = other.opening(UTF8Key("c-10"))
        #expect(ids.sharesCases(with: other) && other.sharesCases(with: ids))
    }
}
