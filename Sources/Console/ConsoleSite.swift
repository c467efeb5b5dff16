import Foundation
import JSON

/// The browser console's files, served by the gateway under `/console/`: a static page set whose scripts call the
/// gateway's own AWS APIs, as the AWS console calls AWS. Besides the shipped files it serves the experiment
/// reports under one directory, read-only, and an index of them.
public struct ConsoleSite: Sendable {
    public static let prefix = "/console/"

    /// A reply to one GET: the gateway writes it as it is.
    public struct Reply: Sendable, Equatable {
        public var status: Int
        public var headers: [String: String]
        public var body: [UInt8]
    }

    /// Shipped file path (under Site/) → contents, read once: the whole site is a few hundred kilobytes.
    let files: [String: [UInt8]]
    let reportsDirectory: URL?

    /// `reportsDirectory`: where `callbacksim experiment` writes reports (nil: the console shows none).
    public init(reportsDirectory: String?) {
        self.files = Self.loadSite()
        self.reportsDirectory = reportsDirectory.map { URL(fileURLWithPath: $0).standardizedFileURL }
    }

    /// The reply to `GET path`, or nil when the path is not the console's.
    public func reply(toGet path: String) -> Reply? {
        if path == "/console" { return Reply(status: 301, headers: ["Location": Self.prefix], body: []) }
        guard path.hasPrefix(Self.prefix) else { return nil }
        let relative = String(path.dropFirst(Self.prefix.count))
        if relative == "reports/" || relative == "reports/index.json" { return reportIndex() }
        if relative.hasPrefix("reports/") { return report(file: String(relative.dropFirst("reports/".count))) }
        let name = relative.isEmpty ? "index.html" : relative
        guard let body = files[name] else { return Self.notFound(path) }
        return Reply(status: 200, headers: Self.headers(contentType: Self.contentType(of: name)), body: body)
    }

    // MARK: Shipped files

    static func loadSite() -> [String: [UInt8]] {
        guard let root = Bundle.module.resourceURL?.appendingPathComponent("Site"),
            let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        else { return [:] }
        var files: [String: [UInt8]] = [:]
        let rootPath = root.standardizedFileURL.path + "/"
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                let data = try? Data(contentsOf: url)
            else { continue }
            files[String(url.standardizedFileURL.path.dropFirst(rootPath.count))] = [UInt8](data)
        }
        return files
    }

    static func contentType(of name: String) -> String {
        switch name.split(separator: ".").last.map(String.init) ?? "" {
        case "html": return "text/html; charset=utf-8"
        case "js": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "json": return "application/json"
        case "png": return "image/png"
        case "md", "txt", "log": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }

    /// No inline script and nothing from elsewhere: the console runs only the files shipped here.
    static func headers(contentType: String) -> [String: String] {
        [
            "Content-Type": contentType,
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy":
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        ]
    }

    static func notFound(_ path: String) -> Reply {
        Reply(
            status: 404, headers: headers(contentType: "text/plain; charset=utf-8"),
            body: Array("Not found: \(path)\n".utf8))
    }

    // MARK: Experiment reports

    /// Every `report.json` under the reports directory (a run's, or a sweep's failing seeds'), newest first.
    func reportIndex() -> Reply {
        var entries: [(path: String, modified: Double)] = []
        if let root = reportsDirectory,
            let walker = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.contentModificationDateKey])
        {
            let rootPath = root.path + "/"
            for case let url as URL in walker {
                if walker.level > 4 { walker.skipDescendants() }  // a run's or a sweep's seed: two levels suffice
                guard url.lastPathComponent == "report.json" else { continue }
                let modified =
                    (try? url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate)?
                    .timeIntervalSince1970 ?? 0
                let directory = url.deletingLastPathComponent().standardizedFileURL.path
                entries.append(
                    (directory.hasPrefix(rootPath) ? String(directory.dropFirst(rootPath.count)) : directory, modified))
            }
        }
        entries.sort { ($0.modified, $0.path) > ($1.modified, $1.path) }
        let body: JSONValue = [
            "directory": reportsDirectory.map { .string($0.path) } ?? .null,
            "reports": .array(
                entries.map { ["path": .string($0.path), "modified": .double(($0.modified * 1000).rounded() / 1000)] }
            ),
        ]
        return Reply(status: 200, headers: Self.headers(contentType: "application/json"), body: body.utf8Bytes)
    }

    /// A file of a report, refused when its path leaves the reports directory (`..`, or a link out of it).
    func report(file relative: String) -> Reply {
        let decoded = relative.removingPercentEncoding ?? relative
        guard let root = reportsDirectory, !decoded.split(separator: "/").contains(".."), !decoded.hasPrefix("/")
        else { return Self.notFound(Self.prefix + "reports/" + relative) }
        let url = root.appendingPathComponent(decoded).resolvingSymlinksInPath()
        let rootPath = root.resolvingSymlinksInPath().path + "/"
        var isDirectory: ObjCBool = false
        guard url.path.hasPrefix(rootPath), FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
            !isDirectory.boolValue, let data = FileManager.default.contents(atPath: url.path)
        else { return Self.notFound(Self.prefix + "reports/" + relative) }
        return Reply(
            status: 200, headers: Self.headers(contentType: Self.contentType(of: url.path)), body: [UInt8](data))
    }
}
