// Tests and benchmarks that import the support module get the core (and its
// `SeededGenerator`) with it.
@_exported import FieldSyncCore
