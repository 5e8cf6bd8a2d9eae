/// Counter-based random numbers: every draw is a pure function of (seed, stream, replicate, index, component),
/// so a start point or a resample is the same on every engine, for every chunk size and in every order
/// (SplitMix64's finaliser applied to a running key; Steele, Lea & Flood, "Fast splittable pseudorandom
/// number generators", OOPSLA 2014).
public enum CounterRandom {
    /// Independent families of draws.
    public enum Stream: UInt64, Sendable {
        case startPoint = 1
        case bootstrap = 2
    }

    @inlinable @inline(__always)
    static func mix(_ z0: UInt64) -> UInt64 {
        var z = z0
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// 64 random bits for the given counter.
    @inlinable
    public static func bits(seed: UInt64, stream: Stream, replicate: Int, index: Int, component: Int) -> UInt64 {
        let golden: UInt64 = 0x9e37_79b9_7f4a_7c15
        var key = mix(seed &+ golden)
        key = mix(key ^ (stream.rawValue &* golden))
        key = mix(key &+ UInt64(truncatingIfNeeded: replicate) &* golden)
        key = mix(key &+ UInt64(truncatingIfNeeded: index) &* golden)
        return mix(key &+ UInt64(truncatingIfNeeded: component) &* golden)
    }

    /// A uniform double in [0, 1) (53 random bits).
    @inlinable
    public static func uniform(seed: UInt64, stream: Stream, replicate: Int, index: Int, component: Int = 0) -> Double {
        Double(bits(seed: seed, stream: stream, replicate: replicate, index: index, component: component) >> 11) * 0x1p-53
    }
}
