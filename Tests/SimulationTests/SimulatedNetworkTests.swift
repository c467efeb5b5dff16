import ServiceSupport
import Simulation
import Synchronization
import Testing
import Wire

private struct Echo: Codable, Sendable, Equatable {
    var text: String
}

private let echo = APIOperation<Echo, Echo>(.control, "Echo")

/// A client and an echo server on a simulated network; the server counts what it handled.
private struct Pair {
    let executor = DeterministicExecutor(start: 0)
    let trace: SimulationTrace
    let network: SimulatedNetwork
    let client = Incarnation(name: "client", number: 1)
    let server = Incarnation(name: "server", number: 1)
    let handled = Handled()

    final class Handled: Sendable {
        let count = Mutex(0)
    }

    init(seed: UInt64 = 1) {
        trace = SimulationTrace(executor: executor)
        network = SimulatedNetwork(executor: executor, trace: trace, seed: seed, processes: ["client", "server"])
        var router = WireRouter()
        let handled = self.handled
        router.on(echo) { input, _ in
            handled.count.withLock { $0 += 1 }
            return input
        }
        network.serve(router, as: server)
    }

    func call(_ text: String, timeout: Duration = .seconds(1)) async -> Result<Echo, any Error> {
        let link = network.link(from: client, to: "server")
        do {
            return .success(try await link.call(echo, Echo(text: text), timeout: timeout))
        } catch {
            return .failure(error)
        }
    }
}

@Suite struct SimulatedNetworkTests {
    @Test func aCallIsAnsweredAfterTwoLatencies() async {
        let pair = Pair()
        let outcome = await pair.executor.run { (try? await pair.call("hi").get(), pair.executor.now) }
        guard case .finished(let (reply, elapsed)) = outcome else {
            Issue.record("stuck")
            return
        }
        #expect(reply == Echo(text: "hi"), "\(pair.trace.text)")
        #expect(elapsed > 0 && elapsed < 0.002)
    }

    @Test func aDroppedRequestTimesOutOnVirtualTime() async {
        let pair = Pair()
        pair.network.faults(of: "client")?.put(
            PutFaultRulesInput(rules: [LinkFaultRule(link: "client->server", action: .drop)]))
        let outcome = await pair.executor.run { (await pair.call("lost"), pair.executor.now) }
        guard case .finished(let (result, elapsed)) = outcome else {
            Issue.record("stuck")
            return
        }
        #expect(throws: WireError.timedOut(op: "Echo", endpoint: "server")) { try result.get() }
        #expect(elapsed == 1)
        #expect(pair.handled.count.withLock { $0 } == 0)
    }

    @Test func aDuplicatedRequestIsHandledTwiceAndAnsweredOnce() async {
        let pair = Pair()
        pair.network.faults(of: "client")?.put(
            PutFaultRulesInput(rules: [LinkFaultRule(link: "client->server", action: .duplicate)]))
        let outcome = await pair.executor.run { try? await pair.call("twice").get() }
        guard case .finished(let reply) = outcome else {
            Issue.record("stuck")
            return
        }
        #expect(reply == Echo(text: "twice"))
        #expect(pair.handled.count.withLock { $0 } == 2)
    }

    @Test func aCrashedServerAndAPartitionAndLostRepliesLeaveTheCallerToItsTimeout() async {
        for fault in ["crash", "partition", "reply loss"] {
            let pair = Pair()
            switch fault {
            case "crash": pair.server.crash()
            case "partition": pair.network.partition("client", "server")
            default: pair.network.setReplyLoss(1)
            }
            let outcome = await pair.executor.run { await pair.call("x") }
            guard case .finished(let result) = outcome else {
                Issue.record("stuck")
                return
            }
            #expect(throws: WireError.self, "\(fault)") { try result.get() }
            #expect(pair.handled.count.withLock { $0 } == (fault == "reply loss" ? 1 : 0), "\(fault)")
        }
    }

    @Test func theSameSeedDeliversTheSameWay() async {
        func run(seed: UInt64) async -> [String] {
            let pair = Pair(seed: seed)
            pair.network.faults(of: "client")?.put(
                PutFaultRulesInput(
                    rules: [LinkFaultRule(link: "client->server", action: .drop, probability: 0.3)], seed: seed))
            _ = await pair.executor.run {
                await withTaskGroup(of: Void.self) { group in
                    for index in 0..<20 { group.addTask { _ = await pair.call("\(index)", timeout: .seconds(2)) } }
                }
            }
            return pair.trace.text
        }
        let first = await run(seed: 5)
        #expect(first.contains { $0.contains("drop") } && first.contains { $0.contains("reply") })
        #expect(await run(seed: 5) == first)
        #expect(await run(seed: 6) != first)
    }
}
