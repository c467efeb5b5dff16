import Foundation

extension ExperimentReport {
    /// The summary printed at the end of a run: a table of invariants and a timeline of faults and completions.
    public var summary: String {
        var lines: [String] = []
        lines.append(
            "experiment \(experiment) (seed \(seed)): "
                + (passed ? "PASSED" : "FAILED (\(failures.joined(separator: "; ")))"))
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

    /// The picture to study after a storm, on one time axis (real seconds after the workload started): a lane
    /// per fault (spans for faults with a duration; kills and restarts as marks; a fault that could not be
    /// applied says so), then completions per second, executions in flight, and start→end latency p50/p99 of
    /// the executions ending in each second. The title says what failed, or that nothing did.
    public var svg: String {
        let series =
            seconds
            ?? completionsPerSecond.map { Second(completions: $0, inFlight: 0, latencyP50: nil, latencyP99: nil) }
        let width = 960.0
        let left = 230.0
        let right = 24.0
        let plotWidth = width - left - right
        let laneHeight = 22.0
        let lanesTop = 58.0
        let lanes = faults.sorted { $0.startedAt < $1.startedAt }
        let panelHeight = 84.0
        let panelGap = 26.0
        let panelsTop = lanesTop + Double(max(lanes.count, 1)) * laneHeight + 20
        let axisY = panelsTop + 3 * panelHeight + 2 * panelGap
        let height = axisY + 40
        let duration = max(
            Double(series.count), lanes.map { $0.endedAt ?? $0.startedAt }.max() ?? 0, durationSeconds.rounded(.up), 1)
        func x(_ second: Double) -> Double { left + second / duration * plotWidth }
        func number(_ value: Double) -> String { String(format: "%.1f", value) }

        let failures = self.failures
        let verdict =
            failures.isEmpty ? "passed: every invariant held" : "FAILED: " + failures.joined(separator: "; ")
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="11">
            <title>\(escape(experiment)) (seed \(seed)) \(escape(verdict))</title>
            <rect width="100%" height="100%" fill="#fff"/>
            <text class="verdict" x="10" y="20" font-size="14" font-weight="bold" fill="\(failures.isEmpty ? "#1b7340" : "#b3261e")">\(failures.isEmpty ? "✔" : "✘") \(escape(experiment)) (seed \(seed)) — \(escape(verdict))</text>
            <text x="10" y="38" fill="#444">\(executionsStarted)/\(executionsPlanned) executions; \(escape(paths.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))); dead letters \(deadLetters); latency p50 \(number(latency["p50"] ?? 0)) s, p99 \(number(latency["p99"] ?? 0)) s (workflow time)</text>

            """

        // Time axis: ticks at a round step, grid lines through every lane and panel.
        let step = [1.0, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600].first { duration / $0 <= 12 } ?? 1200
        var tick = 0.0
        while tick <= duration + 0.001 {
            svg += """
                <line class="tick" x1="\(number(x(tick)))" y1="\(number(lanesTop - 4))" x2="\(number(x(tick)))" y2="\(number(axisY + 4))" stroke="#ddd"/>
                <text x="\(number(x(tick)))" y="\(number(axisY + 18))" text-anchor="middle">\(Int(tick)) s</text>

                """
            tick += step
        }
        svg += """
            <line x1="\(left)" y1="\(number(axisY))" x2="\(number(width - right))" y2="\(number(axisY))" stroke="#333"/>
            <text x="\(number(left + plotWidth / 2))" y="\(number(axisY + 34))" text-anchor="middle" fill="#444">real seconds after the workload started</text>

            """

        // One lane per fault.
        if lanes.isEmpty {
            svg += "<text x=\"10\" y=\"\(number(lanesTop + 15))\" fill=\"#666\">no faults</text>\n"
        }
        for (index, fault) in lanes.enumerated() {
            let top = lanesTop + Double(index) * laneHeight
            let middle = top + laneHeight / 2
            let label = fault.summary.count > 36 ? String(fault.summary.prefix(35)) + "…" : fault.summary
            let notApplied = fault.error != nil
            let color = notApplied ? "#888" : Self.faultColor(fault.kind)
            let detail =
                "\(fault.summary): \(number(fault.startedAt)) s – \(fault.endedAt.map { number($0) + " s" } ?? "end")"
                + (fault.droppedPackets.map { ", \($0) packets dropped" } ?? "")
                + (fault.error.map { ", NOT APPLIED: \($0)" } ?? "")
            svg += """
                <text x="10" y="\(number(middle + 4))" fill="\(notApplied ? "#b3261e" : "#222")">\(escape(label))\(notApplied ? " ✘" : "")</text>
                <line x1="\(left)" y1="\(number(middle))" x2="\(number(width - right))" y2="\(number(middle))" stroke="#f0f0f0"/>

                """
            if fault.kind == "kill" {
                // A kill is an instant; the restart, when it came, is a second mark.
                svg += """
                    <g class="fault"><title>\(escape(detail))</title><line x1="\(number(x(fault.startedAt)))" y1="\(number(top + 3))" x2="\(number(x(fault.startedAt)))" y2="\(number(top + laneHeight - 3))" stroke="\(color)" stroke-width="3"/><text x="\(number(x(fault.startedAt) + 4))" y="\(number(middle + 4))" fill="\(color)">✕ kill</text></g>

                    """
                if let restarted = fault.endedAt {
                    svg += """
                        <g class="restart"><title>restarted at \(number(restarted)) s</title><line x1="\(number(x(restarted)))" y1="\(number(top + 3))" x2="\(number(x(restarted)))" y2="\(number(top + laneHeight - 3))" stroke="#1b7340" stroke-width="3"/><text x="\(number(x(restarted) + 4))" y="\(number(middle + 4))" fill="#1b7340">▲ up</text></g>

                        """
                }
            } else {
                let end = fault.endedAt ?? duration
                svg += """
                    <g class="fault"><title>\(escape(detail))</title><rect x="\(number(x(fault.startedAt)))" y="\(number(top + 4))" width="\(number(max(x(end) - x(fault.startedAt), 3)))" height="\(number(laneHeight - 8))" fill="\(color)" fill-opacity="\(notApplied ? "0.25" : "0.55")" stroke="\(color)"\(notApplied ? " stroke-dasharray=\"3 2\"" : "")/><text x="\(number(x(fault.startedAt) + 4))" y="\(number(middle + 4))" fill="#222">\(escape(notApplied ? "not applied" : Self.shortLabel(fault)))</text></g>

                    """
            }
        }

        // Panels: completions per second, in flight, latency.
        func panel(_ index: Int, _ title: String, peak: Double, unit: String) -> (top: Double, y: (Double) -> Double) {
            let top = panelsTop + Double(index) * (panelHeight + panelGap)
            let bottom = top + panelHeight
            svg += """
                <text x="10" y="\(number(top + 12))" font-weight="bold">\(escape(title))</text>
                <text x="\(number(left - 6))" y="\(number(top + 10))" text-anchor="end" fill="#666">\(Self.compact(peak))\(unit)</text>
                <text x="\(number(left - 6))" y="\(number(bottom))" text-anchor="end" fill="#666">0</text>
                <line x1="\(left)" y1="\(number(bottom))" x2="\(number(width - right))" y2="\(number(bottom))" stroke="#999"/>
                <line x1="\(left)" y1="\(number(top))" x2="\(left)" y2="\(number(bottom))" stroke="#999"/>

                """
            return (top, { value in bottom - (peak > 0 ? value / peak : 0) * (panelHeight - 4) })
        }
        let completionsPeak = Double(series.map(\.completions).max() ?? 0)
        let completions = panel(0, "completions / s", peak: completionsPeak, unit: "/s")
        let barWidth = max(plotWidth / duration - 1, 1)
        for (second, value) in series.enumerated() where value.completions > 0 {
            let top = completions.y(Double(value.completions))
            svg += """
                <rect class="completions" x="\(number(x(Double(second))))" y="\(number(top))" width="\(number(barWidth))" height="\(number(completions.y(0) - top))" fill="#17bebb"><title>\(second)–\(second + 1) s: \(value.completions) completed</title></rect>

                """
        }
        let inFlightPeak = Double(series.map(\.inFlight).max() ?? 0)
        let inFlight = panel(1, "executions in flight", peak: inFlightPeak, unit: "")
        svg += Self.polyline(
            series.enumerated().map { (x(Double($0.offset) + 0.5), inFlight.y(Double($0.element.inFlight))) },
            color: "#4b3f72", kind: "in-flight")
        let latencyPeak = series.compactMap(\.latencyP99).max() ?? 0
        let latencyPanel = panel(2, "latency p50 / p99", peak: latencyPeak, unit: " s")
        for (key, color, dash) in [("p50", "#2e86ab", ""), ("p99", "#e4572e", "5 3")] {
            let points = series.enumerated().compactMap { second, value -> (Double, Double)? in
                guard let latency = key == "p50" ? value.latencyP50 : value.latencyP99 else { return nil }
                return (x(Double(second) + 0.5), latencyPanel.y(latency))
            }
            svg += Self.polyline(points, color: color, kind: "latency-\(key)", dash: dash)
        }
        svg += """
            <text x="10" y="\(number(latencyPanel.top + 28))" fill="#2e86ab">—— p50</text>
            <text x="10" y="\(number(latencyPanel.top + 42))" fill="#e4572e">- - - p99 (workflow seconds,</text>
            <text x="10" y="\(number(latencyPanel.top + 56))" fill="#e4572e">of executions ending then)</text>
            </svg>

            """
        return svg
    }

    static func polyline(_ points: [(Double, Double)], color: String, kind: String, dash: String = "") -> String {
        guard !points.isEmpty else { return "" }
        let text = points.map { String(format: "%.1f,%.1f", $0.0, $0.1) }.joined(separator: " ")
        let dashed = dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\""
        return
            "<polyline class=\"\(kind)\" points=\"\(text)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"\(dashed)/>\n"
    }

    static func compact(_ value: Double) -> String {
        value >= 10 || value == value.rounded() ? String(Int(value.rounded())) : String(format: "%.1f", value)
    }

    /// What a span says of itself: the action of a link fault (drop, duplicate, …), else the fault's kind.
    static func shortLabel(_ fault: AppliedFault) -> String {
        fault.label ?? fault.kind
    }

    static func faultColor(_ kind: String) -> String {
        switch kind {
        case "kill": return "#b3261e"
        case "pause": return "#f2a541"
        case "partition", "loss": return "#7d5ba6"
        case "clock": return "#2e86ab"
        case "disk": return "#6b705c"
        default: return "#e4572e"
        }
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
