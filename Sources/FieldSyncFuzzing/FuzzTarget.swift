/// The fuzz targets: one harness each, named as `FIELDSYNC_FUZZ_TARGET` and the corpus
/// folders `Fuzz/corpus/<target>/` and `Fuzz/regressions/<target>/` name them.
///
/// A new target is one harness function and one case here: the libFuzzer driver, the
/// replay command and the corpus replay test all go through ``run(_:)``.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The bundle reader behind a valid signature (``BundleHarness``).
    case bundle
    /// Enrollment requests, enrollment files and identity files (``EnrollmentHarness``).
    case enrollment
    /// What the hub's HTTP service parses of a request, before and behind its signature (``HTTPHarness``).
    case http

    /// Runs one input through this target's harness. Returns whether the input was
    /// accepted or refused; traps only when an invariant of the code under test breaks.
    public func run(_ bytes: [UInt8]) -> FuzzOutcome {
        switch self {
        case .bundle: BundleHarness.run(bytes)
        case .enrollment: EnrollmentHarness.run(bytes)
        case .http: HTTPHarness.run(bytes)
        }
    }
}

/// What a harness did with one input. Either is a normal return: the fuzzer looks for
/// traps, hangs and runaway memory, and the tests look at which seeds go how deep.
public enum FuzzOutcome: Equatable, Sendable, CustomStringConvertible {
    /// The input was read through to the end; `detail` says what it held (counts, no values).
    case accepted(String)
    /// The input was refused with a typed error; `code` names its case.
    case refused(code: String)

    public var description: String {
        switch self {
        case let .accepted(detail): "accepted (\(detail))"
        case let .refused(code): "refused (\(code))"
        }
    }

    public var isAccepted: Bool {
        if case .accepted = self { true } else { false }
    }
}

/// Stops the process when the code under test broke a promise the fuzzer can check:
/// libFuzzer records the input that did it as a crash.
func invariant(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("fuzz invariant broken: \(message())") }
}
