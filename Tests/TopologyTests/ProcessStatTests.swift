import Glibc
import Testing

@testable import Topology

@Suite struct ProcessStatTests {
    @Test func fieldsAreCountedAfterTheCommandNameWhateverItHolds() throws {
        // A command name may hold spaces and parentheses; the fields are counted after its last ')'.
        let line = "4242 (queue (broker) x) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 20 0 9 0 123456 1000 50 0 0"
        let stat = try #require(ProcessStat.parse(line))
        #expect(stat.state == "S")
        #expect(stat.userTicks == 250)
        #expect(stat.systemTicks == 75)
        #expect(stat.startTime == 123_456)
        #expect(abs(stat.cpuSeconds - 325 / ProcessStat.ticksPerSecond) < 1e-9)
        #expect(ProcessStat.parse("4242 (truncated) S 1 2") == nil)
        #expect(ProcessStat.parse("no name here") == nil)
    }

    @Test func thisProcessReadsAsRunningWithItsOwnMemory() throws {
        let stat = try #require(ProcessStat.read(getpid()))
        #expect(stat.state == "R" || stat.state == "S")
        #expect(stat.startTime > 0)
        #expect((ProcessStat.peakResidentBytes(getpid()) ?? 0) > 1_000_000)
        #expect(ProcessStat.read(-1) == nil)
    }
}
