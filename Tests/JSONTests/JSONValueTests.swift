import JSON
import Testing

@Suite struct JSONValueTests {
    @Test func keepsKeyOrderAndNumberKinds() throws {
        let text = #"{"b":1,"a":2.5,"c":[true,null,"x"],"d":{"z":200,"y":200.0}}"#
        let value = try JSONValue.parse(text)
        #expect(value.serialized() == text)
        #expect(value["d"]?["z"] == .int(200))
        #expect(value["d"]?["y"] == .double(200))
    }

    @Test func equalityIgnoresKeyOrderAndNumberKind() throws {
        #expect(try JSONValue.parse(#"{"a":1,"b":2}"#) == JSONValue.parse(#"{"b":2,"a":1.0}"#))
        #expect(try JSONValue.parse(#"[1,2]"#) != JSONValue.parse(#"[2,1]"#))
    }

    /// Small objects are scanned, large ones indexed: both find, replace (in place) and remove members alike,
    /// and equal objects hash alike whatever their order.
    @Test(arguments: [3, 40])
    func objectsOfAnySizeKeepOrderAndFindMembers(_ size: Int) throws {
        var object = JSONObject()
        for number in 0..<size { object["k\(number)"] = .int(number) }
        object["k1"] = .string("replaced")
        object["k0"] = nil
        #expect(object.keys == (1..<size).map { "k\($0)" })
        #expect(object["k1"] == .string("replaced"))
        #expect(object["k\(size - 1)"] == .int(size - 1))
        #expect(object["k0"] == nil)
        object["k0"] = .null
        #expect(object.keys.last == "k0")
        #expect(object.map(\.key) == object.keys)

        let reversed = JSONObject(object.reversed().map { ($0.key, $0.value) })
        #expect(reversed == object)
        #expect(reversed.hashValue == object.hashValue)
        #expect(Set([JSONValue.object(object), .object(reversed)]).count == 1)
        var changed = reversed
        changed["k2"] = .int(-1)
        #expect(changed != object)

        let parsed = try JSONValue.parse(JSONValue.object(object).serialized())
        #expect(parsed == .object(object))
        #expect(parsed.serialized() == JSONValue.object(object).serialized())
    }

    @Test func aRepeatedKeyKeepsItsFirstPlaceAndItsLastValue() throws {
        let value = try JSONValue.parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(value.serialized() == #"{"a":3,"b":2}"#)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONValue.parse(#""a\"b\\c\n\u00e9\ud83d\ude00""#)
        #expect(value == .string("a\"b\\c\né😀"))
        #expect(try JSONValue.parse(value.serialized()) == value)
    }

    @Test func escapesWhatJSONRequiresAndCopiesTheRest() throws {
        let value = JSONValue.object(
            JSONObject([("k\"ey", .string("q\" b\\ n\n r\r t\t \u{08}\u{0C}\u{01}\u{1F} é😀 /"))]))
        #expect(value.serialized() == #"{"k\"ey":"q\" b\\ n\n r\r t\t \b\f\u0001\u001f é😀 /"}"#)
        #expect(try JSONValue.parse(value.serialized()) == value)
        #expect(JSONValue.string("").serialized() == "\"\"")
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "\"\\x\"", "\"\u{01}\"", "[1] 2", "{\"a\":}",
        "\"\\ud800\"",
    ])
    func rejectsInvalidText(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    /// Strings are read as UTF-8: ASCII and well-formed multi-byte text as they are, with or without escapes
    /// beside them; a byte sequence that is not UTF-8 (a lone continuation byte, a truncated sequence, an overlong
    /// form) is refused.
    @Test func readsUTF8StringsAndRefusesMalformedBytes() throws {
        #expect(try JSONValue.parse(bytes: Array(#"["plain","é😀","é\n"]"#.utf8)) == ["plain", "é😀", "é\n"])
        for malformed: [UInt8] in [[0x80], [0xC3], [0xC0, 0xAF], [0x61, 0xFF]] {
            for escaped in [false, true] {
                let bytes = [0x22] + (escaped ? Array(#"\n"#.utf8) : []) + malformed + [0x22]
                #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes: bytes) }
            }
        }
    }

    @Test func rejectsExcessiveNesting() {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
    }

    @Test func removingAKeyKeepsTheOthersInOrder() {
        var object = JSONObject([("a", 1), ("b", 2), ("c", 3)])
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        object["b"] = 4
        #expect(JSONValue.object(object).serialized() == #"{"a":1,"c":3,"b":4}"#)
    }

    @Test func prettyPrintingRoundTrips() throws {
        let value: JSONValue = ["list": [1, 2.5, "x"], "empty": [:], "none": nil]
        #expect(try JSONValue.parse(value.prettyPrinted()) == value)
    }
}
