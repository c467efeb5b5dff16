import SeededRandom
import Testing

/// Message ids (and the other UUIDs the services draw) are version 4 UUIDs in AWS's lowercase form, drawn from the
/// process's random source, so a simulation's seed gives the same ids every run.
@Suite struct MessageIdTests {
    @Test func aUUIDIsVersionFourLowercaseAndTheSameForASeed() {
        let ids = (0..<3).map { _ in SeededRandomSource(seed: 7).uuid() }
        #expect(Set(ids).count == 1)
        let drawn = SeededRandomSource(seed: 7)
        let first = drawn.uuid()
        #expect(first == "d70d3259-e4e1-4b63-9c66-3cf4d73c4c04", "the form and the draws of earlier versions")
        #expect(drawn.uuid() != first)
        for id in (0..<200).map({ _ in drawn.uuid() }) {
            let parts = id.split(separator: "-").map(\.count)
            #expect(parts == [8, 4, 4, 4, 12])
            #expect(id.allSatisfy { "0123456789abcdef-".contains($0) })
            #expect(Array(id)[14] == "4")
            #expect("89ab".contains(Array(id)[19]))
        }
    }
}
