import SeededRandom
import Wire

/// Draws fault schedules: up to five faults, each of a random kind (kill, pause, link rule, partition, isolation,
/// packet loss, slow disk, clock skew), at a random moment, for a random while. The faults are the same `Fault`s an
/// experiment file states, so a drawn schedule can be written out and run on real processes too.
///
/// Every fault heals within `longestFault` seconds of real time (×10 on the workflow clock: under 60 of the
/// callback task's 300 seconds), so every execution can still end on the path its input asked for: a fault that
/// outlasts the timeout makes timeouts the checker cannot tell from lost callbacks.
public enum Nemesis {
    public static let processes: [ServiceName] = [
        .orchestrator, .queueBroker, .apiSimulator, .callbackSender, .notificationLogger,
    ]
    public static let longestFault = 5.0

    /// Up to five faults, each striking within the workload's `span` seconds or the three after, drawn from
    /// `random`, for processes whose clocks run at `clockRate`.
    public static func faults(within span: Double, clockRate: Double, random: inout SplitMix64) -> [ScheduledFault] {
        func unit() -> Double { Double(random.next() % 1_000_000) / 1_000_000 }
        func between(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }
        func one<T>(_ choices: [T]) -> T { choices[Int(random.next() % UInt64(choices.count))] }
        /// Rounded to a tenth, so a written-out schedule reads cleanly.
        func tenth(_ value: Double) -> Double { (value * 10).rounded() / 10 }

        var faults: [ScheduledFault] = []
        for _ in 0..<Int(random.next() % 6) {
            let at = FaultTrigger.at(tenth(between(0, span + 3)))
            let lasting = tenth(between(0.2, longestFault))
            let fault: Fault
            switch random.next() % 9 {
            case 0, 1: fault = .kill(one(processes), restartAfter: lasting)
            case 2: fault = .pause(one(processes), duration: lasting)
            case 3:
                let action = one([LinkFaultRule.Action.drop, .duplicate, .delay, .reorder])
                let link = one(["*->*"] + links)
                fault = .link(
                    LinkFaultRule(
                        link: link, action: action, probability: tenth(between(0.1, 0.5)),
                        delaySeconds: action == .delay || action == .reorder ? tenth(between(0.1, 2)) : nil),
                    duration: lasting)
            case 4:
                let (a, b) = pair(one)
                fault = .network(.partition(a, b), duration: lasting)
            case 5: fault = .network(.isolation(one(processes)), duration: lasting)
            case 6:
                let (a, b) = pair(one)
                fault = .network(.loss(a, b, probability: tenth(between(0.1, 0.5))), duration: lasting)
            case 7:
                fault = .disk(
                    one(processes), commitDelaySeconds: (between(0.01, 0.5) * 100).rounded() / 100, duration: lasting)
            default:
                // Any process's clock set up to 30 s either way, or run at half to twice its rate (the topology's),
                // while the fault lasts. The orchestrator's times the callback task and the broker's the messages' visibility: the
                // bound keeps the longest wait (120 s) plus what a fault adds (≤ 30 s, or ≤ 50 s at twice the rate
                // for 5 s of a 10× clock) well inside the task's 300 s, so no fault makes a timeout legitimate that
                // the checker would have to tell from a lost callback.
                let target = one(processes)
                fault =
                    random.next() % 2 == 0
                    ? .clock(target, offsetSeconds: tenth(between(-30, 30)), rate: nil, duration: lasting)
                    : .clock(
                        target, offsetSeconds: nil, rate: tenth(clockRate * between(0.5, 2)), duration: lasting)
            }
            faults.append(ScheduledFault(fault, at))
        }
        return faults
    }

    /// The links the seed scenario's calls travel.
    static let links = [
        "orchestrator->queue-broker", "api-simulator->queue-broker", "api-simulator->callback-sender",
        "callback-sender->orchestrator", "queue-broker->notification-logger", "orchestrator->api-simulator",
    ]

    static func pair(_ one: ([ServiceName]) -> ServiceName) -> (ServiceName, ServiceName) {
        let a = one(processes)
        return (a, one(processes.filter { $0 != a }))
    }
}
