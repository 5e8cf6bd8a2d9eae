/// exp and log on a vector of doubles (`Lanes`) at once, for the CPU engine's vectorised point loop (libm has no vector
/// entry points Swift can call portably). Both are accurate to about 1 ulp on their whole finite range;
/// the models that use them are checked against the scalar libm versions in VectorizedPassTests (vectorExpAndLogMatchLibm, laneModelsMatchOneFitModels).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The CPU engine's vector of fits. Sixteen lanes (four AVX2 registers, eight SSE2 ones per value): measured
/// against eight, the longer vector gives the out-of-order core more independent work per instruction
/// stream (B2 +44% CPU time, B1 +5%; four lanes were 10-15% slower than eight). `anyLane` and `allLanes`
/// below are written for this width.
public typealias Lanes = SIMD16<Double>
/// A true/false per lane of `Lanes`.
public typealias LaneMask = SIMDMask<Lanes.MaskStorage>

/// Whether any lane is set. The standard library's `any` reduces with a vector minimum, which x86 has no
/// instruction for on 64-bit lanes before AVX-512 (it became a chain of extracts and conditional moves in
/// the hot loop); or-ing the halves is three vector instructions.
@inlinable @inline(__always)
public func anyLane(_ m: LaneMask) -> Bool {
    let bits = unsafeBitCast(m, to: SIMD16<UInt64>.self)
    let eight = bits.lowHalf | bits.highHalf
    let four = eight.lowHalf | eight.highHalf
    let two = four.lowHalf | four.highHalf
    return (two[0] | two[1]) != 0
}

/// Whether every lane is set (see `anyLane`).
@inlinable @inline(__always)
public func allLanes(_ m: LaneMask) -> Bool {
    let bits = unsafeBitCast(m, to: SIMD16<UInt64>.self)
    let eight = bits.lowHalf & bits.highHalf
    let four = eight.lowHalf & eight.highHalf
    let two = four.lowHalf & four.highHalf
    return (two[0] & two[1]) == UInt64.max
}

@usableFromInline func libmExp(_ x: Double) -> Double { exp(x) }
@usableFromInline func libmLog(_ x: Double) -> Double { log(x) }

/// The lanes of `vexp` outside its fast range: +inf above ln(DBL_MAX), 0 below the smallest subnormal's log,
/// NaN as is, libm for the rest (overflow's edge and the subnormal range). Kept out of line so that
/// `vexp`'s inlined body stays small; overflowing trial steps make the first two common enough to matter
/// (libm's overflow path sets errno and is slow).
@usableFromInline @inline(never)
func vexpOutside(_ x: Lanes, _ result: Lanes, _ outside: LaneMask) -> Lanes {
    // Overflow to +inf and underflow to 0 as vector selects (the common cases: trial steps that overshoot);
    // NaN stays NaN; libm only for the two narrow edges (near overflow, and results in the subnormal range).
    var result = result.replacing(with: .infinity, where: x .> 709.782712893384)
    result.replace(with: 0, where: x .< -745.2)
    result.replace(with: x, where: x .!= x)
    let edge = outside .& (x .<= 709.782712893384) .& (x .>= -745.2)
    if anyLane(edge) {
        for i in 0..<Lanes.scalarCount where edge[i] { result[i] = libmExp(x[i]) }
    }
    return result
}

/// The lanes of `vlog` outside normal positive numbers, from libm (out of line, as `vexpOutside`).
@usableFromInline @inline(never)
func vlogOutside(_ x: Lanes, _ result: Lanes, _ unusual: LaneMask) -> Lanes {
    var result = result
    for i in 0..<Lanes.scalarCount where unusual[i] { result[i] = libmLog(x[i]) }
    return result
}

/// e^x. Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, then a degree-13 Taylor polynomial (truncation
/// below 1e-17 relative) and the exponent added to the bits. Overflow gives +inf, underflow 0, NaN stays NaN.
@_transparent
public func vexp(_ x: Lanes) -> Lanes {
    let ln2hi = 6.93147180369123816490e-01, ln2lo = 1.90821492927058770002e-10
    let log2e = 1.44269504088896338700e+00
    // Round x log2(e) to the nearest integer by adding 1.5 * 2^52 (exact for |n| < 2^51, and plain SSE2 has
    // no vector rounding instruction); the integer is then in the low bits of the sum.
    let shifter = 6_755_399_441_055_744.0
    let low = -1022 * 0.6931471805599453, high = 1023 * 0.6931471805599453
    // Lanes outside [low, high] (and NaN) get garbage here and libm's answer below.
    let t = x * log2e + shifter
    let n = t - shifter
    let r = (x - n * ln2hi) - n * ln2lo
    // 1 + r + r^2/2! + ... + r^13/13! by Estrin's scheme: the same work as Horner but a dependency chain of
    // 5 steps instead of 13, so consecutive points' exps overlap in the pipeline.
    let r2 = r * r, r4 = r2 * r2, r8 = r4 * r4
    let a0 = 1 + r, a1 = 0.5 + r * (1.0 / 6), a2 = 1.0 / 24 + r * (1.0 / 120)
    let a3 = 1.0 / 720 + r * (1.0 / 5_040), a4 = 1.0 / 40_320 + r * (1.0 / 362_880)
    let a5 = 1.0 / 3_628_800 + r * (1.0 / 39_916_800), a6 = 1.0 / 479_001_600 + r * (1.0 / 6_227_020_800)
    let b0 = a0 + r2 * a1, b1 = a2 + r2 * a3, b2 = a4 + r2 * a5
    let p = (b0 + r4 * b1) + r8 * (b2 + r4 * a6)
    // 2^n from the exponent bits: (n + 1023) << 52, with n taken from the low bits of t.
    let k = unsafeBitCast(t, to: SIMD16<UInt64>.self) &- unsafeBitCast(Lanes(repeating: shifter), to: SIMD16<UInt64>.self)
    let scale = unsafeBitCast((k &+ 1023) &<< 52, to: Lanes.self)
    let result = p * scale
    // Results that overflow, underflow into subnormals, or come from NaN: see vexpOutside.
    let outside = .!((x .>= low) .& (x .<= high))
    return anyLane(outside) ? vexpOutside(x, result, outside) : result
}

/// ln x for x > 0 (NaN for x < 0 or NaN, -inf at 0, inf at inf). x = m 2^e with m in [sqrt(1/2), sqrt(2)),
/// ln m = 2 atanh(s), |s| < 0.1716, series to s^23 (truncation below 1e-19).
@_transparent
public func vlog(_ x: Lanes) -> Lanes {
    let bits = unsafeBitCast(x, to: SIMD16<UInt64>.self)
    // The biased exponent as a double without an integer conversion (none in plain SSE2): put it in the
    // mantissa of 2^52 and subtract.
    let twoTo52 = 4_503_599_627_370_496.0
    let biased = unsafeBitCast(((bits &>> 52) & 0x7ff) | unsafeBitCast(Lanes(repeating: twoTo52), to: SIMD16<UInt64>.self), to: Lanes.self)
    var e = biased - (twoTo52 + 1023)
    var m = unsafeBitCast((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000, to: Lanes.self)  // in [1, 2)
    let high = m .> 1.4142135623730951
    m.replace(with: m * 0.5, where: high)
    e.replace(with: e + 1, where: high)
    // ln m = ln(1 + f) = 2 atanh(s), s = f / (2 + f), arranged as in fdlibm's log so that the leading term f
    // (exact: m - 1 by Sterbenz) is added last: ln(1 + f) = f - (h - s (h + R)), h = f^2 / 2,
    // R = sum_k 2 z^k / (2k + 1), z = s^2 <= 0.0295, k = 1...11 (truncation below 1e-19), by Estrin's scheme.
    let f = m - 1
    let s = f / (2 + f)
    let z = s * s
    let z2 = z * z, z4 = z2 * z2, z8 = z4 * z4
    // (Typed step by step: the type checker gives up on these expressions otherwise.)
    let k3: Double = 2.0 / 3, k5: Double = 2.0 / 5, k7: Double = 2.0 / 7, k9: Double = 2.0 / 9, k11: Double = 2.0 / 11
    let k13: Double = 2.0 / 13, k15: Double = 2.0 / 15, k17: Double = 2.0 / 17, k19: Double = 2.0 / 19
    let k21: Double = 2.0 / 21, k23: Double = 2.0 / 23
    let c1: Lanes = k3 + z * k5, c3: Lanes = k7 + z * k9, c5: Lanes = k11 + z * k13
    let c7: Lanes = k15 + z * k17, c9: Lanes = k19 + z * k21
    let inner: Lanes = c1 + z2 * c3 + z4 * (c5 + z2 * c7)
    let outer: Lanes = z8 * (c9 + z2 * k23)
    let r: Lanes = z * (inner + outer)
    let h: Lanes = 0.5 * f * f
    let ln2hi: Double = 6.93147180369123816490e-01, ln2lo: Double = 1.90821492927058770002e-10
    let tail: Lanes = s * (h + r) + e * ln2lo
    let result: Lanes = e * ln2hi - ((h - tail) - f)
    // Zero, subnormal, negative, infinite and NaN lanes (never met on the hot path) go to libm.
    let unusual = (x .< 2.2250738585072014e-308) .| (x .> 1.7976931348623157e308) .| (x .!= x)
    return anyLane(unusual) ? vlogOutside(x, result, unusual) : result
}

/// A model that also evaluates a vector of (point, parameters) pairs at once, for the CPU engine's vector lanes.
/// It must compute the same function as `evaluate` (to rounding; VectorizedPassTests check it).
public protocol VectorizedFitModel: FitModel {
    /// f in each lane: `p[j]` holds parameter j and `x[v]` variable v (transformed) of each lane; writes
    /// df/dp_j into `dfdp[j]`. The CPU engine runs sixteen fits side by side (each lane its own parameters,
    /// all lanes at the same point).
    func evaluateLanes(_ p: UnsafePointer<Lanes>, _ x: UnsafePointer<Lanes>, _ dfdp: UnsafeMutablePointer<Lanes>) -> Lanes
    /// `parameterCount` and `variableCount` as constants of the type (the lane loops unroll over them).
    static var fixedParameterCount: Int { get }
    static var fixedVariableCount: Int { get }
}
