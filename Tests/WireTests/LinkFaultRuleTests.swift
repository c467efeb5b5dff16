import Testing
import Wire

@Suite struct LinkFaultTests {
    let link = Link(from: "callback-sender", to: "orchestrator")

    @Test func rulesMatchLinksWithWildcardsAndOperations() {
        let injector = LinkFaultInjector(process: "callback-sender")
        injector.put(
            PutFaultRulesInput(rules: [
                LinkFaultRule(link: "*->orchestrator", operation: "SendTaskSuccess", action: .duplicate)
            ]))
        #expect(injector.decide(link: link, op: "SendTaskSuccess") == .duplicate)
        #expect(injector.decide(link: link, op: "SendTaskFailure") == .deliver)
        #expect(
            injector.decide(link: Link(from: "orchestrator", to: "queue-broker"), op: "SendTaskSuccess") == .deliver)
        #expect(injector.statistics.applied == ["duplicate callback-sender->orchestrator": 1])
        injector.clear()
        #expect(injector.decide(link: link, op: "SendTaskSuccess") == .deliver)
    }

    @Test func probabilitiesAreSeededAndRoughlyRight() {
        func decisions(seed: UInt64) -> [OutboundDecision] {
            let injector = LinkFaultInjector(process: "callback-sender")
            injector.put(
                PutFaultRulesInput(rules: [LinkFaultRule(link: "*->*", action: .drop, probability: 0.1)], seed: seed))
            return (0..<2000).map { _ in injector.decide(link: link, op: "X") }
        }
        let first = decisions(seed: 7)
        #expect(first == decisions(seed: 7))
        #expect(first != decisions(seed: 8))
        let drops = first.filter { $0 == .drop }.count
        #expect((140...260).contains(drops), "\(drops) drops of 2000 at p=0.1")
    }

    @Test func delaysStayWithinTheirBounds() {
        let injector = LinkFaultInjector(process: "callback-sender")
        injector.put(
            PutFaultRulesInput(rules: [
                LinkFaultRule(link: "*->*", operation: "A", action: .delay, delaySeconds: 0.5, jitterSeconds: 0.2),
                LinkFaultRule(link: "*->*", operation: "B", action: .reorder, delaySeconds: 0.3),
            ]))
        for _ in 0..<100 {
            guard case .delay(let a) = injector.decide(link: link, op: "A"),
                case .delay(let b) = injector.decide(link: link, op: "B")
            else {
                Issue.record("expected delays")
                return
            }
            #expect(a >= .milliseconds(500) && a <= .milliseconds(700))
            #expect(b >= .zero && b <= .milliseconds(300))
        }
    }
}
