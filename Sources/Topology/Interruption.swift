import Dispatch
import Foundation
import Glibc

/// Runs a cleanup when SIGINT or SIGTERM arrives, then exits as the signal would have (128 + signal).
/// For work that leaves things outside the process (namespaces, daemons) which an interrupted run must remove.
public final class Interruption {
    private let sources: [any DispatchSourceSignal]

    private init(sources: [any DispatchSourceSignal]) { self.sources = sources }

    public static func onSignal(_ cleanup: @escaping @Sendable () -> Void) -> Interruption {
        let sources = [SIGINT, SIGTERM].map { number in
            // The default action would kill the process before the source sees the signal.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                FileHandle.standardError.write(Data("\ninterrupted: cleaning up\n".utf8))
                cleanup()
                exit(128 + number)
            }
            source.resume()
            return source
        }
        return Interruption(sources: sources)
    }

    /// Stops watching and gives both signals their default action back.
    public func cancel() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
