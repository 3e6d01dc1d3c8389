/// The members of a posted envelope, each in the slot of the envelope field it names.
///
/// Sorting a list of members into slots by name costs a few byte comparisons each; a dictionary of them cost a
/// hash per member to build and another per field looked up, about a tenth of parsing a posted event.
struct EnvelopeMembers {
    var id: JSONValue?
    var type: JSONValue?
    var customerId: JSONValue?
    var caseId: JSONValue?
    var occurredAt: JSONValue?
    var source: JSONValue?
    var data: JSONValue?
    var metadata: JSONValue?
    var expectedVersion: JSONValue?
    /// The smallest member name the envelope does not define, so the answer does not depend on member order.
    var unknown: String?

    init(_ members: [String: JSONValue]) {
        for (key, value) in members { place(key, value) }
    }

    init(_ members: [JSONParser.Member]) {
        for member in members { place(member.key, member.value) }
    }

    /// Keys are unique in either source, so no slot is filled twice.
    private mutating func place(_ key: String, _ value: JSONValue) {
        // By length first, so each member is compared with at most two names.
        switch key.utf8.count {
        case 2 where key == "id": id = value
        case 4 where key == "type": type = value
        case 4 where key == "data": data = value
        case 6 where key == "caseId": caseId = value
        case 6 where key == "source": source = value
        case 8 where key == "metadata": metadata = value
        case 10 where key == "customerId": customerId = value
        case 10 where key == "occurredAt": occurredAt = value
        case 15 where key == "expectedVersion": expectedVersion = value
        default:
            if unknown.map({ key < $0 }) ?? true { unknown = key }
        }
    }
}
