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
