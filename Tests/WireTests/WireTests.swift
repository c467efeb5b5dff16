import Foundation
import JSON
import Logging
import Testing
import Wire
import ZeroMQ

struct Echo: Codable, Equatable {
    var text: String
}

func startServer(_ context: Context) async throws -> WireServer {
    let server = try await WireServer.bind(
        context: context, endpoint: "tcp://127.0.0.1:*", logger: Logger(label: "test"))
    Task {
        await server.run { request in
            switch request.op {
            case "Echo":
                return WireCoding.encode(try request.decode(Echo.self))
            case "Slow":
                try await Task.sleep(for: .milliseconds(300))
                return Array("{}".utf8)
            case "Crash":
                struct Boom: Error {}
                throw Boom()
            default:
                throw AWSError.unknownOperation(request.op)
            }
        }
    }
    return server
}

@Suite struct WireTests {
    @Test func typedCallRoundTrips() async throws {
        let context = Context()
        let server = try await startServer(context)
        let client = try await WireClient.connect(context: context, endpoint: server.endpoint)
        let reply: Echo = try await client.call("Echo", Echo(text: "hi"))
        #expect(reply == Echo(text: "hi"))
        server.close()
        client.close()
    }

    @Test func errorsComeBackInAWSShape() async throws {
        let context = Context()
        let server = try await startServer(context)
        let client = try await WireClient.connect(context: context, endpoint: server.endpoint)
        await #expect(throws: AWSError("UnknownOperationException", "Unknown operation Nope")) {
            _ = try await client.call("Nope", body: Array("{}".utf8))
        }
        await #expect(throws: AWSError.self) {
            _ = try await client.call("Echo", body: Array("not json".utf8))
        }
        do {
            _ = try await client.call("Echo", body: Array("{}".utf8))
            Issue.record("expected a validation error")
        } catch let error as AWSError {
            #expect(error.type == "ValidationException")
            #expect(error.message.contains("'text'"))
        }
        do {
            _ = try await client.call("Crash", body: Array("{}".utf8))
            Issue.record("expected an internal failure")
        } catch let error as AWSError {
            #expect(error.type == "InternalFailure")
        }
        // Still serving after all that.
        let reply: Echo = try await client.call("Echo", Echo(text: "still here"))
        #expect(reply.text == "still here")
        server.close()
        client.close()
    }

    @Test func repliesMayArriveOutOfOrder() async throws {
        let context = Context()
        let server = try await startServer(context)
        let client = try await WireClient.connect(context: context, endpoint: server.endpoint)
        async let slow = client.call("Slow", body: Array("{}".utf8))
        try await Task.sleep(for: .milliseconds(20))
        let fastStart = ContinuousClock.now
        let fast: Echo = try await client.call("Echo", Echo(text: "fast"))
        #expect(fast.text == "fast")
        #expect(ContinuousClock.now - fastStart < .milliseconds(250))
        _ = try await slow
        server.close()
        client.close()
    }

    @Test func aCallToNobodyTimesOut() async throws {
        let context = Context()
        let client = try await WireClient.connect(context: context, endpoint: "tcp://127.0.0.1:1")
        await #expect(throws: WireError.timedOut(op: "Echo", endpoint: "tcp://127.0.0.1:1")) {
            _ = try await client.call("Echo", body: Array("{}".utf8), timeout: .milliseconds(100))
        }
        client.close()
    }

    @Test func malformedFramesGetAnErrorReplyAndTheServerKeepsServing() async throws {
        let context = Context()
        let server = try await startServer(context)
        let raw = try await AsyncSocket.open(context: context, type: .dealer, role: .connect(server.endpoint))
        var replies = raw.messages.makeAsyncIterator()
        func errorType(_ reply: [[UInt8]]?) throws -> String {
            let frames = try #require(reply)
            #expect(frames.count == 2)
            return try JSONDecoder().decode(AWSError.self, from: Data(frames[1])).type
        }

        raw.send([Array("just one frame".utf8)])
        #expect(try errorType(await replies.next()) == "SerializationException")
        raw.send([[0xFF, 0x00], Array("{}".utf8)])
        #expect(try errorType(await replies.next()) == "SerializationException")
        raw.send([Array(#"{"v":99,"op":"Echo","id":"a"}"#.utf8), Array(#"{"text":"x"}"#.utf8)])
        #expect(try errorType(await replies.next()) == "UnsupportedProtocolVersion")
        raw.send([Array("a".utf8), Array("b".utf8), Array("c".utf8), Array("d".utf8)])
        #expect(try errorType(await replies.next()) == "SerializationException")

        let client = try await WireClient.connect(context: context, endpoint: server.endpoint)
        let reply: Echo = try await client.call("Echo", Echo(text: "ok"))
        #expect(reply.text == "ok")
        raw.close()
        client.close()
        server.close()
    }
}

@Suite struct WireLimitTests {
    @Test func anOversizeMessageIsDroppedAndOtherClientsAreStillServed() async throws {
        let context = Context()
        let server = try await startServer(context)
        let raw = try await AsyncSocket.open(context: context, type: .dealer, role: .connect(server.endpoint))
        raw.send([
            Array(#"{"v":1,"op":"Echo","id":"big"}"#.utf8),
            [UInt8](repeating: 0x20, count: Int(WireServer.maximumMessageBytes) + 1),
        ])
        let client = try await WireClient.connect(context: context, endpoint: server.endpoint)
        let reply: Echo = try await client.call("Echo", Echo(text: "small"))
        #expect(reply.text == "small")
        // The oversize sender got no answer.
        let answered = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                var iterator = raw.messages.makeAsyncIterator()
                return await iterator.next() != nil
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(300))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            raw.close()
            return first
        }
        #expect(!answered)
        client.close()
        server.close()
    }
}
