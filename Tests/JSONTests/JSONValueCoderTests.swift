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
    struct Scalars: Codable, Equatable {
        var text: String
        var whole: Int
        var number: Double
        var flag: Bool
        var maybeText: String?
        var maybeWhole: Int?
        var maybeNumber: Double?
        var maybeFlag: Bool?
    }

    /// Scalars are read in place when they are what they should be; anything else meets the same errors as
    /// before: a whole `3.0` is still an Int, `1.5` is not, a number is not a string, null is no value.
    @Test func scalarsReadInPlaceFailAsTheGeneralWayDoes() throws {
        func decode(_ text: String) throws -> Scalars {
            try JSONValueDecoder().decode(Scalars.self, from: Array(text.utf8))
        }
        let full = try decode(
            #"{"text":"t","whole":3.0,"number":2,"flag":true,"maybeText":null,"maybeWhole":4,"maybeNumber":1,"maybeFlag":false}"#
        )
        #expect(
            full
                == Scalars(
                    text: "t", whole: 3, number: 2, flag: true, maybeText: nil, maybeWhole: 4, maybeNumber: 1,
                    maybeFlag: false))
        let minimal = try decode(#"{"text":"t","whole":1,"number":0.5,"flag":false,"maybeWhole":2.0}"#)
        #expect(minimal.maybeWhole == 2 && minimal.maybeText == nil && minimal.number == 0.5)
        for (text, path) in [
            (#"{"text":1,"whole":1,"number":1,"flag":true}"#, "text"),
            (#"{"text":"t","whole":1.5,"number":1,"flag":true}"#, "whole"),
            (#"{"text":"t","whole":1,"number":"1","flag":true}"#, "number"),
            (#"{"text":"t","whole":1,"number":1,"flag":1}"#, "flag"),
            (#"{"text":"t","whole":1,"number":1,"flag":true,"maybeText":2}"#, "maybeText"),
            (#"{"text":"t","whole":1,"number":1,"flag":true,"maybeWhole":"2"}"#, "maybeWhole"),
        ] {
            do {
                _ = try decode(text)
                Issue.record("expected typeMismatch at \(path)")
            } catch DecodingError.typeMismatch(_, let context) {
                #expect(context.codingPath.map(\.stringValue) == [path])
            }
        }
        #expect(throws: DecodingError.self) { _ = try decode(#"{"text":null,"whole":1,"number":1,"flag":true}"#) }
        #expect(throws: DecodingError.self) { _ = try decode(#"{"whole":1,"number":1,"flag":true}"#) }
    }

    /// An encoder's object of many members keeps their order; a key encoded twice keeps its place, the last value.
    @Test func largeObjectsAndRepeatedKeysEncodeAsFoundationsDo() throws {
        let many = Dictionary(uniqueKeysWithValues: (0..<40).map { ("k\($0)", $0) })
        let encoded = try JSONValueEncoder().encode(many)
        #expect(encoded.objectValue?.count == 40)
        #expect(try JSONValueDecoder().decode([String: Int].self, from: encoded) == many)

        struct Twice: Encodable {
            enum CodingKeys: String, CodingKey { case a, b }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(1, forKey: .a)
                try container.encode(2, forKey: .b)
                try container.encode("again", forKey: .a)
            }
        }
        #expect(try JSONValueEncoder().encode(Twice()).serialized() == #"{"a":"again","b":2}"#)
    }
}
