import Foundation
import JSON
import Logging
import Synchronization
import Testing
import Wire
import ZeroMQ

struct Echo: Codable, Equatable {
    var text: String
}

enum TestAPI {
    static let echo = APIOperation<Echo, Echo>(.control, "Echo")
    static let slow = APIOperation<EmptyOutput, EmptyOutput>(.control, "Slow")
    static let crash = APIOperation<EmptyOutput, EmptyOutput>(.control, "Crash")
    static let nope = APIOperation<EmptyOutput, EmptyOutput>(.control, "Nope")
}

func startServer(_ context: Context) async throws -> WireServer {
    let server = try await WireServer.bind(
        context: context, endpoint: "tcp://127.0.0.1:*", logger: Logger(label: "test"))
    var router = WireRouter()
    router.on(TestAPI.echo) { input, _ in input }
    router.on(TestAPI.slow) { _, _ in
        try await Task.sleep(for: .seconds(1))
        return EmptyOutput()
    }
    router.on(TestAPI.crash) { _, _ -> EmptyOutput in
        struct Boom: Error {}
        throw Boom()
    }
    let routes = router
    Task { await server.run { request in try await routes.handle(request) } }
    return server
}

@Suite struct WireTests {
    @Test func typedCallRoundTrips() async throws {
        let context = Context()
        let server = try await startServer(context)
        let client = try await WireClient.connect(context: context, endpoint: server.endpoint)
        let reply: Echo = try await client.call(TestAPI.echo, Echo(text: "hi"))
        #expect(reply == Echo(text: "hi"))
        server.close()
        client.close()
    }

    @Test func errorsComeBackInAWSShape() async throws {
        let context = Context()
        let server = try await startServer(context)
        let client = try await WireClient.connect(context: context, endpoint: server.endpoint)
        await #expect(throws: AWSError("UnknownOperationException", "Unknown operation Nope")) {
            _ = try await client.call(TestAPI.nope, body: Array("{}".utf8))
        }
        await #expect(throws: AWSError.self) {
            _ = try await client.call(TestAPI.echo, body: Array("not json".utf8))
        }
        do {
            _ = try await client.call(TestAPI.echo, body: Array("{}".utf8))
            Issue.record("expected a validation error")
        } catch let error as AWSError {
            #expect(error.type == "ValidationException")
            #expect(error.message.contains("'text'"))
        }
        do {
            _ = try await client.call(TestAPI.crash, body: Array("{}".utf8))
            Issue.record("expected an internal failure")
        } catch let error as AWSError {
            #expect(error.type == "InternalFailure")
        }
        // Still serving after all that.
        let reply: Echo = try await client.call(TestAPI.echo, Echo(text: "still here"))
        #expect(reply.text == "still here")
        server.close()
        client.close()
    }

    @Test func repliesMayArriveOutOfOrder() async throws {
        let context = Context()
        let server = try await startServer(context)
        let client = try await WireClient.connect(context: context, endpoint: server.endpoint)
        // Order, not time: the fast call's reply overtakes the slow one's, which is still owed when it arrives.
        let slowAnswered = Mutex(false)
        let slow = Task {
            _ = try await client.call(TestAPI.slow, body: Array("{}".utf8))
            slowAnswered.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(20))
        let fast: Echo = try await client.call(TestAPI.echo, Echo(text: "fast"))
        #expect(fast.text == "fast")
        #expect(!slowAnswered.withLock { $0 })
        try await slow.value
        #expect(slowAnswered.withLock { $0 })
        server.close()
        client.close()
    }

    @Test func aCallToNobodyTimesOut() async throws {
        let context = Context()
        let client = try await WireClient.connect(context: context, endpoint: "tcp://127.0.0.1:1")
        await #expect(throws: WireError.timedOut(op: "Echo", endpoint: "tcp://127.0.0.1:1")) {
            _ = try await client.call(TestAPI.echo, body: Array("{}".utf8), timeout: .milliseconds(100))
        }
        client.close()
    }

    @Test func aShortCallTimesOutOnTimeBesideALongOneAndTheLongOneStillDoes() async throws {
        let context = Context()
        let client = try await WireClient.connect(context: context, endpoint: "tcp://127.0.0.1:1")
        let start = ContinuousClock.now
        let long = Task { try await client.call(TestAPI.echo, body: Array("{}".utf8), timeout: .milliseconds(1500)) }
        try await Task.sleep(for: .milliseconds(50))
        await #expect(throws: WireError.timedOut(op: "Echo", endpoint: "tcp://127.0.0.1:1")) {
            _ = try await client.call(TestAPI.echo, body: Array("{}".utf8), timeout: .milliseconds(100))
        }
        #expect(ContinuousClock.now - start < .milliseconds(700))
        await #expect(throws: WireError.timedOut(op: "Echo", endpoint: "tcp://127.0.0.1:1")) {
            _ = try await long.value
        }
        #expect(ContinuousClock.now - start >= .milliseconds(1500))
        client.close()
    }

    /// An injected delay counts against the caller's timeout, as a slow network does: a request delayed past
    /// its timeout fails on time, though the server would have answered it.
    @Test func aDelayedRequestTimesOutOnTime() async throws {
        struct DelayEverything: OutboundInterceptor {
            func decide(to service: String, op: String) -> OutboundDecision { .delay(.seconds(2)) }
        }
        let context = Context()
        let server = try await startServer(context)
        defer { server.close() }
        let client = try await WireClient.connect(
            context: context, endpoint: server.endpoint, service: "echo", interceptor: DelayEverything())
        defer { client.close() }
        let started = ContinuousClock.now
        await #expect(throws: WireError.timedOut(op: "Echo", endpoint: server.endpoint)) {
            let _: Echo = try await client.call(TestAPI.echo, Echo(text: "late"), timeout: .milliseconds(300))
        }
        #expect(ContinuousClock.now - started < .seconds(1.5))
    }

    @Test func malformedFramesGetAnErrorReplyAndTheServerKeepsServing() async throws {
        let context = Context()
        let server = try await startServer(context)
        let raw = try await AsyncSocket.open(context: context, type: .dealer, role: .connect(server.endpoint))
        var replies = raw.messages.makeAsyncIterator()
        func errorType(_ reply: [[UInt8]]?) throws -> String {
            let frames = try #require(reply)
            #expect(frames.count == 2)
            return try WireCoding.decode(AWSError.self, from: frames[1]).type
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
        let reply: Echo = try await client.call(TestAPI.echo, Echo(text: "ok"))
        #expect(reply.text == "ok")
        raw.close()
        client.close()
        server.close()
    }
}

@Suite struct WireRouterTests {
    static let sqsEcho = APIOperation<Echo, Echo>(.sqs, "Echo")

    func request(_ op: String, api: API?, body: String) -> WireRequest {
        WireRequest(header: RequestHeader(op: op, api: api, id: "1"), body: Array(body.utf8))
    }

    @Test func routesOnAPIAndNameAndDecodesOnce() async throws {
        var router = WireRouter()
        router.on(TestAPI.echo) { input, _ in Echo(text: input.text + "!") }
        let reply = try await router.handle(request("Echo", api: .control, body: #"{"text":"a"}"#))
        #expect(try WireCoding.decode(Echo.self, from: reply) == Echo(text: "a!"))
        // A hand-made frame without an API is routed on the name alone.
        let unnamed = try await router.handle(request("Echo", api: nil, body: #"{"text":"b"}"#))
        #expect(try WireCoding.decode(Echo.self, from: unnamed) == Echo(text: "b!"))
    }

    @Test func anOperationOfAnotherAPIIsUnknownEvenWithTheSameName() async throws {
        // What keeps control operations out of the gateway's reach: it always names the AWS API it serves.
        var router = WireRouter()
        router.on(TestAPI.echo) { input, _ in input }
        await #expect(throws: AWSError.unknownOperation("Echo")) {
            _ = try await router.handle(request("Echo", api: .sqs, body: #"{"text":"a"}"#))
        }
        router.on(Self.sqsEcho) { _, _ in Echo(text: "sqs") }
        let reply = try await router.handle(request("Echo", api: .sqs, body: #"{"text":"a"}"#))
        #expect(try WireCoding.decode(Echo.self, from: reply).text == "sqs")
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
        let reply: Echo = try await client.call(TestAPI.echo, Echo(text: "small"))
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
