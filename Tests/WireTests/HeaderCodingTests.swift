import JSON
import Testing
import Wire

/// Headers are written and read by hand on every message; these pin them to what their `Codable` gives and takes.
@Suite struct HeaderCodingTests {
    static let requests: [RequestHeader] =
        [RequestHeader(op: "Ping", id: "1")]
        + API.allCases.map { api in
            RequestHeader(
                op: "StartExecution", api: api, id: "a\"b\\c", trace: "t-1", idempotencyKey: "outbox:7",
                scope: Scope(region: "eu-west-1", account: "123456789012"))
        }

    @Test(arguments: requests)
    func aRequestHeaderIsWrittenAndReadAsItsCodableDoes(header: RequestHeader) throws {
        #expect(header.jsonBytes == WireCoding.encode(header))
        #expect(try RequestHeader(frame: header.jsonBytes) == header)
        #expect(
            try RequestHeader(frame: header.jsonBytes) == WireCoding.decode(RequestHeader.self, from: header.jsonBytes))
    }

    @Test(arguments: [true, false])
    func aReplyHeaderIsWrittenAndReadAsItsCodableDoes(ok: Bool) throws {
        let header = ReplyHeader(id: "42", ok: ok)
        #expect(header.jsonBytes == WireCoding.encode(header))
        #expect(try ReplyHeader(frame: header.jsonBytes) == header)
    }

    /// Absent optional members and nulls read as nil, unknown members are ignored, as Codable reads them.
    @Test func optionalMembersMayBeNullOrAbsent() throws {
        let frame = Array(#"{"v":1,"op":"Ping","id":"9","trace":null,"extra":[1]}"#.utf8)
        #expect(try RequestHeader(frame: frame) == WireCoding.decode(RequestHeader.self, from: frame))
        #expect(try RequestHeader(frame: frame) == RequestHeader(op: "Ping", id: "9"))
    }

    @Test(arguments: [
        #"{"op":"Ping","id":"1"}"#, #"{"v":"1","op":"Ping","id":"1"}"#, #"{"v":1,"op":null,"id":"1"}"#,
        #"{"v":1,"op":"Ping","id":1}"#, #"{"v":1,"op":"Ping","id":"1","api":"ec2"}"#,
        #"{"v":1,"op":"Ping","id":"1","trace":7}"#, #"[1]"#, #"{"v":1,"#, "",
    ])
    func aFrameCodableRefusesIsRefused(frame: String) {
        #expect(throws: AWSError.self) { try RequestHeader(frame: Array(frame.utf8)) }
        #expect(throws: AWSError.self) { try WireCoding.decode(RequestHeader.self, from: Array(frame.utf8)) }
    }

    @Test(arguments: [#"{"v":1,"id":"1"}"#, #"{"v":1,"id":"1","ok":"true"}"#, #"{"id":"1","ok":true}"#])
    func aReplyFrameCodableRefusesIsRefused(frame: String) {
        #expect(throws: AWSError.self) { try ReplyHeader(frame: Array(frame.utf8)) }
        #expect(throws: AWSError.self) { try WireCoding.decode(ReplyHeader.self, from: Array(frame.utf8)) }
    }
}
