#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real numbers a built-in model's maths is written over, once: `Double` for the one-fit loop and
/// `Lanes` (sixteen fits side by side) for the lane loop. A model's `formula` is generic over this protocol
/// and specialised for each (inlined into both point loops), so the two loops run the same source; only
/// `exponential` differs (libm's exp, and the lanes' own `vexp`, both about 1 ulp).
public protocol ModelReal {
    init(constant: Double)
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func / (a: Self, b: Self) -> Self
    static prefix func - (a: Self) -> Self
    static func exponential(_ x: Self) -> Self
}

extension Double: ModelReal {
    @inlinable @inline(__always) public init(constant: Double) { self = constant }
    @inlinable @inline(__always) public static func exponential(_ x: Double) -> Double { exp(x) }
}

extension SIMD16: ModelReal where Scalar == Double {
    @inlinable @inline(__always) public init(constant: Double) { self.init(repeating: constant) }
    @inlinable @inline(__always) public static func exponential(_ x: SIMD16<Double>) -> SIMD16<Double> { vexp(x) }
}
