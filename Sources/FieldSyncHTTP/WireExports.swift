/// The wire types and the request parsers live in their own small module, free of
/// Hummingbird and NIO, so the fuzzer (target `http`) builds them without the server's
/// dependencies. Everything that imports FieldSyncHTTP keeps seeing them as before.
@_exported import FieldSyncHTTPWire
