import JSON
import Testing

@Suite struct JSONValueCoderTests {
    struct Inner: Codable, Equatable {
        var b: Int
        var a: Double
    }

    struct Outer: Codable, Equatable {
        var zeta: String
        var alpha: [Inner]
        var payload: JSONValue?
        var absent: String?
        var map: [String: Int]
    }

    @Test func encodesMembersInDeclarationOrderAndLeavesOutNil() throws {
        let value = Outer(
            zeta: "z", alpha: [Inner(b: 1, a: 2)], payload: ["y": 1, "x": 200.0], absent: nil, map: ["k": 3])
        let json = try JSONValueEncoder().encode(value)
        #expect(
            json.serialized() == #"{"zeta":"z","alpha":[{"b":1,"a":2.0}],"payload":{"y":1,"x":200.0},"map":{"k":3}}"#)
    }

    @Test func decodingKeepsFreeFormJSONAsItCame() throws {
        let text = #"{"map":{},"alpha":[{"a":1,"b":2}],"zeta":"z","payload":{"second":2,"first":1.50}}"#
        let decoded = try JSONValueDecoder().decode(Outer.self, from: Array(text.utf8))
        #expect(decoded.alpha == [Inner(b: 2, a: 1)])
        #expect(decoded.payload?.serialized() == #"{"second":2,"first":1.5}"#)
        #expect(decoded.absent == nil)
        #expect(try JSONValueDecoder().decode(Outer.self, from: JSONValueEncoder().encode(decoded)) == decoded)
    }

    @Test func errorsNameThePathAsFoundationsDecoderDoes() throws {
        do {
            _ = try JSONValueDecoder().decode(Outer.self, from: Array(#"{"zeta":"z","alpha":[{"b":1}],"map":{}}"#.utf8))
            Issue.record("expected keyNotFound")
        } catch DecodingError.keyNotFound(let key, let context) {
            #expect(key.stringValue == "a")
            #expect(context.codingPath.map(\.stringValue) == ["alpha", "0"])
        }
        do {
            _ = try JSONValueDecoder().decode(Outer.self, from: Array(#"{"zeta":1,"alpha":[],"map":{}}"#.utf8))
            Issue.record("expected typeMismatch")
        } catch DecodingError.typeMismatch(_, let context) {
            #expect(context.codingPath.map(\.stringValue) == ["zeta"])
        }
        #expect(throws: DecodingError.self) {
            _ = try JSONValueDecoder().decode(Inner.self, from: Array(#"{"b":1.5,"a":1}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            _ = try JSONValueDecoder().decode(Inner.self, from: Array("not json".utf8))
        }
    }
}
