import FitSweep
import Foundation
import Testing
import TestSupport

/// The mode test on constructed samples: separate groups are found with their centres and shares; unimodal
/// samples (normal, heavy-tailed, skewed, symmetric about zero, constant) are one mode.
@Suite struct ModesTests {
    /// SplitMix64 draws, so every sample is the same on every run.
    struct Draws: RandomNumberGenerator {
        var base: SplitMix64
        init(state: UInt64) { base = SplitMix64(state: state) }
        mutating func next() -> UInt64 { base.next() }
        /// Uniform in (0, 1).
        mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }
        /// Standard normal (Box-Muller).
        mutating func normal() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform()) }
        /// Standard Cauchy: heavier tails than any bootstrap sample should have.
        mutating func cauchy() -> Double { tan(.pi * (uniform() - 0.5)) }
    }

    static func sample(_ n: Int, seed: UInt64, _ draw: (inout Draws) -> Double) -> [Double] {
        var d = Draws(state: seed)
        return (0..<n).map { _ in draw(&d) }
    }

    @Test func twoSeparateGroupsAreTwoModesWithTheirCentresAndShares() {
        // 62 replicates near k = 6.1, 38 near its mirror image -6.0, in shuffled order.
        var d = Draws(state: 1)
        var values = (0..<62).map { _ in 6.1 + 0.3 * d.normal() } + (0..<38).map { _ in -6.0 + 0.3 * d.normal() }
        values.shuffle(using: &d)
        let modes = Modes.detect(values)
        #expect(modes.count == 2)
        guard modes.count == 2 else { return }
        #expect(abs(modes[0].centre - 6.1) < 0.2 && modes[0].count == 62 && abs(modes[0].share - 0.62) < 1e-12)
        #expect(abs(modes[1].centre + 6.0) < 0.2 && modes[1].count == 38)
        // Groups need not straddle zero: 0.2 +- 0.01 and 0.8 +- 0.01 (the sigmoid's b and b + a).
        let b = Self.sample(70, seed: 2) { 0.2 + 0.01 * $0.normal() } + Self.sample(30, seed: 3) { 0.8 + 0.01 * $0.normal() }
        #expect(Modes.detect(b).map(\.count) == [70, 30])
        // Three groups are three modes.
        let three = Self.sample(50, seed: 4) { $0.normal() } + Self.sample(30, seed: 5) { 20 + $0.normal() }
            + Self.sample(20, seed: 6) { 40 + $0.normal() }
        #expect(Modes.detect(three).map(\.count) == [50, 30, 20])
    }

    @Test func wideMirrorGroupsAreFoundByTheSignRule() {
        // +-6 with SD 1.5: the groups' tails come within about 4 SD of each other, so the gap rule alone may
        // not split them, but both medians are 4 robust SDs from zero.
        let values = Self.sample(120, seed: 7) { 6 + 1.5 * $0.normal() } + Self.sample(80, seed: 8) { -6 + 1.5 * $0.normal() }
        let modes = Modes.detect(values)
        #expect(modes.count == 2)
        #expect(modes.first.map { abs($0.centre - 6) < 0.5 && $0.count == 120 } == true)
        #expect(modes.last.map { abs($0.centre + 6) < 0.5 && $0.count == 80 } == true)
    }

    @Test(arguments: 1...25 as ClosedRange<UInt64>)
    func unimodalSamplesAreOneMode(seed: UInt64) {
        let samples: [(String, [Double])] = [
            ("normal", Self.sample(200, seed: seed) { 6 + 0.4 * $0.normal() }),
            ("normal about zero", Self.sample(200, seed: seed &+ 100) { $0.normal() }),
            ("Cauchy", Self.sample(200, seed: seed &+ 200) { 6 + $0.cauchy() }),
            ("Cauchy about zero", Self.sample(200, seed: seed &+ 300) { $0.cauchy() }),
            ("log-normal", Self.sample(200, seed: seed &+ 400) { exp(1.2 * $0.normal()) }),
            ("uniform about zero", Self.sample(200, seed: seed &+ 500) { 2 * $0.uniform() - 1 }),
            ("small normal", Self.sample(20, seed: seed &+ 600) { $0.normal() }),
        ]
        for (name, values) in samples {
            let modes = Modes.detect(values)
            #expect(modes.count == 1, "\(name), seed \(seed): \(modes)")
        }
    }

    @Test func constantTinyAndOutlierSamplesAreOneMode() {
        let constant = Modes.detect([Double](repeating: 3.25, count: 100))
        #expect(constant == [Mode(centre: 3.25, share: 1, count: 100)])
        // Solver noise (1e-12 relative) between two exact values is not a gap.
        #expect(Modes.detect([Double](repeating: 5, count: 50) + [Double](repeating: 5 * (1 + 1e-12), count: 50)).count == 1)
        // Fewer than 20 replicates are too few to tell, however separate.
        #expect(Modes.detect([1, 1.1, 0.9, 1, 1.05, -1, -1.1, -0.9, -1, -1.05]).count == 1)
        // Outliers under 5% of the sample are not a mode.
        #expect(Modes.detect(Self.sample(97, seed: 9) { $0.normal() } + [100, 101, 102]).count == 1)
        // Non-finite values are ignored; an empty sample has no modes.
        #expect(Modes.detect(Self.sample(50, seed: 10) { $0.normal() } + [.nan, .infinity]).first?.count == 50)
        #expect(Modes.detect([]).isEmpty)
    }
}
