import FitEngine
import FitModels
import Foundation

/// Small synthetic problems drawn from a model: points, true parameters and noisy observations, from a
/// seeded generator so a failing case can be replayed from the seed the test logs.
/// SplitMix64 (Steele, Lea & Flood 2014) from a raw state: small, seeded, reproducible. Every test's random
/// numbers come from here.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// SplitMix64 keyed by a seed (the state starts one step in).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    var base: SplitMix64
    public init(seed: UInt64) { base = SplitMix64(state: seed &+ 0x9e37_79b9_7f4a_7c15) }
    public mutating func next() -> UInt64 { base.next() }
}

public enum Synthetic {
    /// The ladder-like step-1 problem: 16 (N, D) points on a loss law with 1% multiplicative noise.
    public static func lossLaw(_ rng: inout SeededGenerator) -> (points: [[Double]], y: [Double]) {
        let truth = [Double.random(in: 2...6, using: &rng), Double.random(in: 4...9, using: &rng),
                     Double.random(in: 0.1...0.4, using: &rng), Double.random(in: 0.1...0.4, using: &rng),
                     Double.random(in: 0.2...1, using: &rng)]
        let model = LossLawModel()
        var points = [[Double]](), y = [Double]()
        for n in [1.9e8, 3.7e8, 7.6e8, 1.3e9] {
            for mult in [1.0, 2, 5, 10] {
                let p = [n, 20 * n * mult]
                points.append(p)
                y.append(model.value(parameters: truth, at: p) * (1 + 0.01 * Double.random(in: -1...1, using: &rng)))
            }
        }
        return (points, y)
    }

    /// A step-2-like problem: accuracy against loss on a sigmoid with additive noise.
    public static func sigmoid(_ rng: inout SeededGenerator, count: Int = 200) -> (points: [[Double]], y: [Double]) {
        let truth = [Double.random(in: -0.7 ... -0.3, using: &rng), Double.random(in: 0.5...1.2, using: &rng),
                     Double.random(in: 3...10, using: &rng), Double.random(in: 0.8...1, using: &rng)]
        let model = SigmoidModel()
        var points = [[Double]](), y = [Double]()
        for _ in 0..<count {
            let l = Double.random(in: 0.3...2, using: &rng)
            points.append([l])
            y.append(model.value(parameters: truth, at: [l]) + 0.01 * Double.random(in: -1...1, using: &rng))
        }
        return (points, y)
    }

    /// Random start points inside the model's start ranges.
    public static func starts(_ model: any FitModel, count: Int, _ rng: inout SeededGenerator) -> [Double] {
        (0..<count).flatMap { _ in model.parameters.map { $0.startRange.value(at: Double.random(in: 0..<1, using: &rng)) } }
    }
}
