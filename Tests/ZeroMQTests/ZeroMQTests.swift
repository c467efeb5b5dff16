import Foundation
import Testing
import ZeroMQ

@Suite struct SocketTests {
    @Test func versionIsFour() {
        #expect(Context.version.major == 4)
    }

    @Test func requestReplyOverInproc() throws {
        let context = Context()
        let server = try Socket(context: context, type: .rep)
        try server.bind("inproc://rr")
        let client = try Socket(context: context, type: .req)
        try client.connect("inproc://rr")
        try client.send([Array("hello".utf8), Array("world".utf8)])
        let request = try #require(try server.receive())
        #expect(request.map { String(decoding: $0, as: UTF8.self) } == ["hello", "world"])
        try server.send([[]])
        #expect(try client.receive() == [[]])
    }

    @Test func receiveWithoutWaitingReturnsNilWhenNothingIsReady() throws {
        let context = Context()
        let socket = try Socket(context: context, type: .pull)
        try socket.bind("inproc://empty")
        #expect(try socket.receive(dontWait: true) == nil)
    }

    @Test func bindingTwiceFailsWithAddressInUse() throws {
        let context = Context()
        let first = try Socket(context: context, type: .router)
        try first.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(first.lastEndpoint)
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        let second = try Socket(context: context, type: .router)
        #expect(throws: ZMQError.self) { try second.bind(endpoint) }
    }

    @Test func invalidEndpointIsAnError() throws {
        let context = Context()
        let socket = try Socket(context: context, type: .dealer)
        #expect(throws: ZMQError.self) { try socket.connect("nonsense") }
    }

    @Test func dontWaitSendWithoutPeerReportsWouldBlock() throws {
        let context = Context()
        let socket = try Socket(context: context, type: .dealer)
        try socket.setOption(SocketOption.immediate, Int32(1))
        try socket.connect("tcp://127.0.0.1:1")
        #expect(try socket.send([[1]], dontWait: true) == false)
    }
}

@Suite struct AsyncSocketTests {
    @Test func routerEchoesToManyPipelinedDealerRequests() async throws {
        let context = Context()
        let router = try await AsyncSocket.open(context: context, type: .router, role: .bind("tcp://127.0.0.1:*"))
        let dealer = try await AsyncSocket.open(context: context, type: .dealer, role: .connect(router.endpoint))
        let echo = Task {
            var served = 0
            for await message in router.messages {
                router.send(message)
                served += 1
                if served == 500 { break }
            }
        }
        for index in 0..<500 { dealer.send([Array(String(index).utf8)]) }
        var received = Set<String>()
        for await reply in dealer.messages {
            received.insert(String(decoding: reply[0], as: UTF8.self))
            if received.count == 500 { break }
        }
        #expect(received == Set((0..<500).map(String.init)))
        await echo.value
        router.close()
        dealer.close()
    }

    /// A request nobody waits for any more is not sent when the peer finally comes: the backlog drops what
    /// expired and sends the rest, woken by the connection (POLLOUT), not by polling.
    @Test func expiredMessagesAreDroppedFromTheBacklog() async throws {
        let context = Context()
        // A socket file of its own: a random TCP port can be another test's listener, which takes the message at once.
        let path = "/tmp/zmq-backlog-\(UUID().uuidString.prefix(8)).sock"
        let endpoint = "ipc://" + path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let dealer = try await AsyncSocket.open(
            context: context, type: .dealer, role: .connect(endpoint), options: [(SocketOption.immediate, 1)])
        defer { dealer.close() }
        #expect(dealer.send([Array("stale".utf8)], expiresAt: .now + .milliseconds(100)))
        #expect(dealer.send([Array("fresh".utf8)], expiresAt: .now + .seconds(30)))
        #expect(dealer.pendingCount == 2)
        try await Task.sleep(for: .milliseconds(400))
        #expect(dealer.pendingCount == 1, "the expired message is dropped while the peer is away")
        let router = try await AsyncSocket.open(context: context, type: .router, role: .bind(endpoint))
        defer { router.close() }
        var messages = router.messages.makeAsyncIterator()
        let first = try #require(await messages.next())
        #expect(String(decoding: first[1], as: UTF8.self) == "fresh")
        // The socket's thread settles the count after libzmq took the message, which the router can see first.
        let deadline = ContinuousClock.now + .seconds(5)
        while dealer.pendingCount != 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(dealer.pendingCount == 0)
    }

    /// A full outgoing queue refuses more (the caller backs off) instead of growing without bound.
    @Test func aFullOutgoingQueuePushesBack() async throws {
        let context = Context()
        let dealer = try await AsyncSocket.open(
            context: context, type: .dealer, role: .connect("tcp://127.0.0.1:1"),
            options: [(SocketOption.immediate, 1)],
            outgoingLimit: 5)
        defer { dealer.close() }
        let accepted = (0..<8).map { _ in dealer.send([[1]]) }
        #expect(accepted == [true, true, true, true, true, false, false, false])
    }

    /// With room for only 4 unread messages, 2,000 still all arrive, in order, as the reader takes them: the
    /// socket's thread stops reading when the reader falls behind and resumes when it catches up.
    @Test func aSlowReaderGetsEveryMessageThroughASmallInbox() async throws {
        let context = Context()
        let pull = try await AsyncSocket.open(
            context: context, type: .pull, role: .bind("inproc://slow-reader"), incomingLimit: 4)
        let push = try await AsyncSocket.open(context: context, type: .push, role: .connect("inproc://slow-reader"))
        defer {
            push.close()
            pull.close()
        }
        for index in 0..<2_000 { #expect(push.send([Array(String(index).utf8)])) }
        var received: [Int] = []
        for await message in pull.messages {
            received.append(Int(String(decoding: message[0], as: UTF8.self)) ?? -1)
            if received.count % 100 == 0 { try await Task.sleep(for: .milliseconds(1)) }
            if received.count == 2_000 { break }
        }
        #expect(received == Array(0..<2_000))
    }

    @Test func closingFinishesTheMessageStream() async throws {
        let context = Context()
        let socket = try await AsyncSocket.open(context: context, type: .pull, role: .bind("inproc://closing"))
        socket.close()
        var count = 0
        for await _ in socket.messages { count += 1 }
        #expect(count == 0)
    }

    @Test func openingOnABadEndpointThrows() async {
        let context = Context()
        await #expect(throws: ZMQError.self) {
            _ = try await AsyncSocket.open(context: context, type: .router, role: .bind("tcp://nowhere:x"))
        }
    }
}
