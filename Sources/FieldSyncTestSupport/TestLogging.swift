import Foundation
import Logging

/// Routes the libraries' swift-log output in tests: warnings and above by default, so a
/// run of hundreds of bundles stays readable; `FIELDSYNC_LOG=info` (or `debug`) shows more.
public enum TestLogging {
    /// Bootstraps once per process; later calls do nothing.
    public static func bootstrap() { _ = once }

    private static let once: Void = {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["FIELDSYNC_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
            return handler
        }
    }()
}
