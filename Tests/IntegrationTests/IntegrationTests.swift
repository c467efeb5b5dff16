import Testing

/// Every multi-process test runs under this one serialized suite: each starts six processes, and the machine
/// has two cores.
@Suite(.serialized) struct IntegrationTests {}
