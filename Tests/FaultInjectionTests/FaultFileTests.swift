import FaultInjection
import Foundation
import Testing
import Wire

/// How a fault of an experiment file is read: into the enum case its kind names, or refused with why.
@Suite struct FaultFileTests {
    func read(_ json: String) throws -> ScheduledFault {
        try JSONDecoder().decode(ScheduledFault.self, from: Data(json.utf8))
    }

    static let faults: [(String, ScheduledFault, String)] = [
        (
            #"{"kind":"kill","target":"orchestrator","at":8,"restartAfter":2}"#,
            ScheduledFault(.kill(.orchestrator, restartAfter: 2), .at(8)),
            "kill orchestrator (restart after 2.0 s)"
        ),
        (
            #"{"kind":"pause","target":"notification-logger","afterStartedFraction":0.5}"#,
            ScheduledFault(.pause(.notificationLogger, duration: 5), .afterStartedFraction(0.5)),
            "pause notification-logger for 5.0 s"
        ),
        (
            #"{"kind":"link","duration":20,"rule":{"link":"*->queue-broker","action":"reorder","delaySeconds":0.3}}"#,
            ScheduledFault(
                .link(LinkFaultRule(link: "*->queue-broker", action: .reorder, delaySeconds: 0.3), duration: 20)),
            "reorder *->queue-broker for 20.0 s"
        ),
        (
            #"{"kind":"clock","target":"callback-sender","at":1,"offsetSeconds":20}"#,
            ScheduledFault(.clock(.callbackSender, offsetSeconds: 20, rate: nil, duration: nil), .at(1)),
            "clock of callback-sender +20.0 s"
        ),
        (
            #"{"kind":"partition","between":["orchestrator","queue-broker"],"duration":8}"#,
            ScheduledFault(.network(.partition(.orchestrator, .queueBroker), duration: 8)),
            "partition orchestrator ⟂ queue-broker for 8.0 s"
        ),
        (
            #"{"kind":"partition","between":["api-simulator"]}"#,
            ScheduledFault(.network(.isolation(.apiSimulator), duration: nil)),
            "isolate api-simulator"
        ),
        (
            #"{"kind":"loss","between":["orchestrator","queue-broker"]}"#,
            ScheduledFault(.network(.loss(.orchestrator, .queueBroker, probability: 0.1), duration: nil)),
            "packet loss p=0.1 between orchestrator and queue-broker"
        ),
        (
            #"{"kind":"disk","target":"queue-broker","commitDelaySeconds":0.2,"at":2,"duration":5}"#,
            ScheduledFault(.disk(.queueBroker, commitDelaySeconds: 0.2, duration: 5), .at(2)),
            "slow disk of queue-broker: commits 0.2 s slower for 5.0 s"
        ),
    ]

    @Test(arguments: faults.indices)
    func eachKindIsReadIntoItsCaseAndWrittenBackTheSame(index: Int) throws {
        let (json, expected, summary) = Self.faults[index]
        let fault = try read(json)
        #expect(fault == expected)
        #expect(fault.fault.summary == summary)
        let written = try JSONDecoder().decode(ScheduledFault.self, from: JSONEncoder().encode(fault))
        #expect(written == fault)
    }

    static let refused: [(String, String)] = [
        (#"{"kind":"kill","at":3}"#, "needs a `target`"),
        (#"{"kind":"kill","target":"orchestrater"}"#, "`target` orchestrater is not one of"),
        (#"{"kind":"kill","target":"orchestrator","duration":3}"#, "`duration` does not apply"),
        (#"{"kind":"link","duration":3}"#, "needs a `rule`"),
        (#"{"kind":"clock","target":"orchestrator"}"#, "needs `offsetSeconds` or `rate`"),
        (#"{"kind":"loss","between":["orchestrator"]}"#, "`between` names two of"),
        (#"{"kind":"partition","between":["orchestrator","x"]}"#, "`between` names one or two of"),
        (#"{"kind":"loss","between":["orchestrator","queue-broker"],"probability":2}"#, "within 0…1"),
        (#"{"kind":"pause","target":"orchestrator","at":1,"afterStartedFraction":0.5}"#, "not both"),
        (#"{"kind":"disk","target":"orchestrator"}"#, "needs `commitDelaySeconds`"),
        (#"{"kind":"disk","target":"orchestrator","commitDelaySeconds":-1}"#, "within 0…60"),
        (
            #"{"kind":"crash","target":"orchestrator"}"#,
            "`kind` is one of clock, disk, kill, link, loss, partition, pause"
        ),
    ]

    @Test(arguments: refused)
    func aFaultMissingWhatItsKindNeedsIsRefusedWithWhy(json: String, reason: String) {
        #expect {
            try read(json)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test func onlyNetworkFaultsNeedNamespaces() throws {
        #expect(try read(#"{"kind":"loss","between":["orchestrator","queue-broker"]}"#).fault.isNetwork)
        #expect(!(try read(#"{"kind":"kill","target":"orchestrator"}"#).fault.isNetwork))
    }
}
