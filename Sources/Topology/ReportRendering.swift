import Foundation

extension ExperimentReport {
    /// The summary printed at the end of a run: a table of invariants and a timeline of faults and completions.
    public var summary: String {
        var lines: [String] = []
        lines.append("experiment \(experiment) (seed \(seed)): \(passed ? "PASSED" : "FAILED")")
        lines.append(
            "executions: \(executionsStarted)/\(executionsPlanned) started; paths \(paths.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")); dead letters \(deadLetters); quiescent \(quiescent ? "yes" : "NO")"
        )
        if !latency.isEmpty {
            lines.append(
                "latency (workflow s): "
                    + ["p50", "p90", "p99", "max"].compactMap { key in
                        latency[key].map { "\(key) \(String(format: "%.2f", $0))" }
                    }
                    .joined(separator: ", "))
        }
        lines.append("")
        lines.append("invariant                          result  violations")
        for result in invariants {
            lines.append(
                result.invariant.padding(toLength: 35, withPad: " ", startingAt: 0)
                    + (result.passed ? "ok    " : "FAILED")
                    + "  \(result.violations.count)")
            for violation in result.violations.prefix(10) { lines.append("    \(violation)") }
        }
        for error in startErrors.prefix(10) { lines.append("error: \(error)") }
        if !explanations.isEmpty {
            lines.append("")
            lines.append("timeouts explained: \(explanations.count)")
            for (arn, reason) in explanations.sorted(by: { $0.key < $1.key }).prefix(5) {
                lines.append("    \(arn.split(separator: ":").last ?? ""): \(reason)")
            }
        }
        if !deadLetterExplanations.isEmpty {
            lines.append("dead letters: \(deadLetterExplanations.count)")
            for (id, reason) in deadLetterExplanations.sorted(by: { $0.key < $1.key }).prefix(5) {
                lines.append("    \(id): \(reason)")
            }
        }
        lines.append("")
        lines.append("timeline (s after the workload started)")
        for fault in faults.sorted(by: { $0.startedAt < $1.startedAt }) {
            let end = fault.endedAt.map { String(format: "%6.1f", $0) } ?? "   end"
            let dropped = fault.droppedPackets.map { " (\($0) packets dropped)" } ?? ""
            lines.append(String(format: "  %6.1f – %@  %@", fault.startedAt, end, fault.summary) + dropped)
        }
        let peak = completionsPerSecond.max() ?? 0
        if peak > 0 {
            lines.append("completions per second (real time):")
            for (second, count) in completionsPerSecond.enumerated() where count > 0 {
                lines.append(
                    String(format: "  %4d s %4d ", second, count)
                        + String(repeating: "█", count: max(1, count * 40 / peak)))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A timeline picture: completions per second as bars, faults as shaded spans.
    public var svg: String {
        let width = 800.0
        let height = 240.0
        let plotTop = 30.0
        let plotHeight = 170.0
        let seconds = max(
            Double(completionsPerSecond.count), faults.compactMap { $0.endedAt ?? $0.startedAt }.max() ?? 0, 1)
        let xScale = (width - 60) / seconds
        let peak = Double(max(completionsPerSecond.max() ?? 1, 1))
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="11">
            <title>\(escape(experiment)) — \(passed ? "passed" : "failed")</title>
            <text x="50" y="18" font-size="13">\(escape(experiment)) (seed \(seed)): \(passed ? "all invariants hold" : "VIOLATIONS")</text>
            <line x1="50" y1="\(plotTop + plotHeight)" x2="\(width - 10)" y2="\(plotTop + plotHeight)" stroke="#333"/>
            <line x1="50" y1="\(plotTop)" x2="50" y2="\(plotTop + plotHeight)" stroke="#333"/>

            """
        for (index, fault) in faults.enumerated() {
            let x = 50 + fault.startedAt * xScale
            let end = 50 + (fault.endedAt ?? seconds) * xScale
            svg += """
                <rect class="fault" x="\(x)" y="\(plotTop)" width="\(max(end - x, 2))" height="\(plotHeight)" fill="#e4572e" fill-opacity="0.18"/>
                <text x="\(x + 2)" y="\(plotTop + 12 + Double(index % 4) * 12)" fill="#a33">\(escape(fault.summary))</text>

                """
        }
        for (second, count) in completionsPerSecond.enumerated() where count > 0 {
            let barHeight = Double(count) / peak * (plotHeight - 10)
            svg += """
                <rect class="completions" x="\(50 + Double(second) * xScale)" y="\(plotTop + plotHeight - barHeight)" width="\(max(xScale - 1, 1))" height="\(barHeight)" fill="#17bebb"/>

                """
        }
        svg += """
            <text x="50" y="\(height - 12)">0 s</text>
            <text x="\(width - 60)" y="\(height - 12)">\(Int(seconds)) s</text>
            <text x="10" y="\(plotTop + 10)">\(Int(peak))/s</text>
            </svg>

            """
        return svg
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Writes report.json and timeline.svg into `directory`.
    public func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: directory + "/report.json"))
        try svg.write(toFile: directory + "/timeline.svg", atomically: true, encoding: .utf8)
    }
}
