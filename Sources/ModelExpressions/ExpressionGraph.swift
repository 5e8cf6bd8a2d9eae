import Foundation

/// Elementary functions of one argument. `sign` only appears in derivatives (of `abs`).
enum UnaryFunction: String, Sendable, CaseIterable {
    case exp, log, sqrt, sin, cos, tan, atan, tanh, abs, sign

    /// Name of the OpenCL C built-in.
    var openCLName: String {
        switch self {
        case .abs: return "fabs"
        default: return rawValue
        }
    }

    func apply(_ v: Double) -> Double {
        switch self {
        case .exp: return Foundation.exp(v)
        case .log: return Foundation.log(v)
        case .sqrt: return v.squareRoot()
        case .sin: return Foundation.sin(v)
        case .cos: return Foundation.cos(v)
        case .tan: return Foundation.tan(v)
        case .atan: return Foundation.atan(v)
        case .tanh: return Foundation.tanh(v)
        case .abs: return Swift.abs(v)
        case .sign: return v > 0 ? 1 : (v < 0 ? -1 : 0)
        }
    }
}

/// One node of the expression DAG. Children are node ids, always smaller than the node's own id.
enum ExprNode: Hashable, Sendable {
    /// A constant, stored by bit pattern so that hashing is exact.
    case constant(UInt64)
    case parameter(Int)
    case variable(Int)
    case add(Int, Int)
    case sub(Int, Int)
    case mul(Int, Int)
    case div(Int, Int)
    case neg(Int)
    /// Integer power (exponent never 0 or 1).
    case powi(Int, Int)
    /// General power u^v (v not an integer constant).
    case pow(Int, Int)
    case call(UnaryFunction, Int)

    var isLeaf: Bool {
        switch self {
        case .constant, .parameter, .variable: return true
        default: return false
        }
    }
}

/// A hash-consed expression DAG with simplifying constructors and symbolic differentiation.
///
/// Every constructor first simplifies (constant folding, neutral elements, sign normalisation) and then looks
/// the node up, so equal subexpressions (including those created while differentiating) are one node: common
/// subexpressions between the value and the Jacobian are shared by construction.
final class ExpressionGraph {
    private(set) var nodes: [ExprNode] = []
    private var index: [ExprNode: Int] = [:]
    private var derivativeCache: [Int: [Int: Int]] = [:]

    subscript(_ id: Int) -> ExprNode { nodes[id] }

    private func intern(_ node: ExprNode) -> Int {
        if let id = index[node] { return id }
        nodes.append(node)
        index[node] = nodes.count - 1
        return nodes.count - 1
    }

    // MARK: Leaves

    func constant(_ v: Double) -> Int { intern(.constant((v == 0 ? 0.0 : v).bitPattern)) }
    func parameter(_ j: Int) -> Int { intern(.parameter(j)) }
    func variable(_ v: Int) -> Int { intern(.variable(v)) }

    func constantValue(_ id: Int) -> Double? {
        if case .constant(let bits) = nodes[id] { return Double(bitPattern: bits) }
        return nil
    }

    private func isConstant(_ id: Int, _ v: Double) -> Bool { constantValue(id) == v }
    func isZero(_ id: Int) -> Bool { isConstant(id, 0) }

    // MARK: Simplifying constructors

    func add(_ a: Int, _ b: Int) -> Int {
        if let x = constantValue(a), let y = constantValue(b) { return constant(x + y) }
        if isZero(a) { return b }
        if isZero(b) { return a }
        if case .neg(let nb) = nodes[b] { return sub(a, nb) }
        if case .neg(let na) = nodes[a] { return sub(b, na) }
        if a == b { return mul(constant(2), a) }
        if let id = index[.add(b, a)] { return id }
        return intern(.add(a, b))
    }

    func sub(_ a: Int, _ b: Int) -> Int {
        if let x = constantValue(a), let y = constantValue(b) { return constant(x - y) }
        if isZero(b) { return a }
        if isZero(a) { return neg(b) }
        if a == b { return constant(0) }
        if case .neg(let nb) = nodes[b] { return add(a, nb) }
        if case .neg(let na) = nodes[a] { return neg(add(na, b)) }
        return intern(.sub(a, b))
    }

    func neg(_ a: Int) -> Int {
        if let x = constantValue(a) { return constant(-x) }
        switch nodes[a] {
        case .neg(let inner): return inner
        case .sub(let x, let y): return sub(y, x)
        default: return intern(.neg(a))
        }
    }

    func mul(_ a: Int, _ b: Int) -> Int {
        if let x = constantValue(a), let y = constantValue(b) { return constant(x * y) }
        if isZero(a) || isZero(b) { return constant(0) }
        if isConstant(a, 1) { return b }
        if isConstant(b, 1) { return a }
        // Constants to the left, and positive: c * u, -(c * u).
        if constantValue(b) != nil { return mul(b, a) }
        if let c = constantValue(a) {
            if c < 0 { return neg(mul(constant(-c), b)) }
            switch nodes[b] {
            case .mul(let x, let y):
                if let cx = constantValue(x) { return mul(constant(c * cx), y) }
            case .div(let x, let y):
                if let cx = constantValue(x) { return div(constant(c * cx), y) }
            default: break
            }
        }
        if case .neg(let na) = nodes[a] { return neg(mul(na, b)) }
        if case .neg(let nb) = nodes[b] { return neg(mul(a, nb)) }
        if a == b { return powi(a, 2) }
        if case .powi(let x, let n) = nodes[a], x == b, n > 0 { return powi(x, n + 1) }
        if case .powi(let x, let n) = nodes[b], x == a, n > 0 { return powi(x, n + 1) }
        if let id = index[.mul(b, a)] { return id }
        return intern(.mul(a, b))
    }

    func div(_ a: Int, _ b: Int) -> Int {
        if let x = constantValue(a), let y = constantValue(b) { return constant(x / y) }
        if isZero(a) { return constant(0) }
        if isConstant(b, 1) { return a }
        if isConstant(b, -1) { return neg(a) }
        if let c = constantValue(a), c < 0 { return neg(div(constant(-c), b)) }
        if let cb = constantValue(b) {
            if cb < 0 { return neg(div(a, constant(-cb))) }
            // (c * u) / d -> (c / d) * u
            if case .mul(let x, let y) = nodes[a], let cx = constantValue(x) { return mul(constant(cx / cb), y) }
            // Division by a power of two is an exact multiplication.
            let r = 1 / cb
            if r.isFinite, r.significand == 1, cb.significand == 1 { return mul(constant(r), a) }
        }
        if case .neg(let na) = nodes[a] { return neg(div(na, b)) }
        if case .neg(let nb) = nodes[b] { return neg(div(a, nb)) }
        return intern(.div(a, b))
    }

    /// u^n for an integer n.
    func powi(_ a: Int, _ n: Int) -> Int {
        if n == 0 { return constant(1) }
        if n == 1 { return a }
        if let x = constantValue(a) { return constant(Foundation.pow(x, Double(n))) }
        switch nodes[a] {
        case .powi(let x, let m): return powi(x, m * n)
        case .neg(let x): return n % 2 == 0 ? powi(x, n) : neg(powi(x, n))
        default: return intern(.powi(a, n))
        }
    }

    /// u^v: integer constant exponents become `powi`, 1/2 and -1/2 become square roots.
    func pow(_ a: Int, _ b: Int) -> Int {
        if let y = constantValue(b) {
            if y == y.rounded(), Swift.abs(y) <= 1024 { return powi(a, Int(y)) }
            if let x = constantValue(a) { return constant(Foundation.pow(x, y)) }
            if y == 0.5 { return call(.sqrt, a) }
            if y == -0.5 { return div(constant(1), call(.sqrt, a)) }
        }
        if let x = constantValue(a), x == 1 { return constant(1) }
        return intern(.pow(a, b))
    }

    func call(_ f: UnaryFunction, _ a: Int) -> Int {
        if let x = constantValue(a) { return constant(f.apply(x)) }
        switch (f, nodes[a]) {
        case (.abs, .neg(let x)): return call(.abs, x)
        case (.abs, .call(.abs, _)): return a
        case (.sign, .call(.sign, _)): return a
        default: return intern(.call(f, a))
        }
    }

    // MARK: Differentiation

    /// d(node)/d(p_j), memoised.
    func derivative(_ id: Int, _ j: Int) -> Int {
        if let d = derivativeCache[j]?[id] { return d }
        let d = computeDerivative(id, j)
        derivativeCache[j, default: [:]][id] = d
        return d
    }

    private func computeDerivative(_ id: Int, _ j: Int) -> Int {
        switch nodes[id] {
        case .constant, .variable: return constant(0)
        case .parameter(let k): return constant(k == j ? 1 : 0)
        case .add(let a, let b): return add(derivative(a, j), derivative(b, j))
        case .sub(let a, let b): return sub(derivative(a, j), derivative(b, j))
        case .neg(let a): return neg(derivative(a, j))
        case .mul(let a, let b):
            return add(mul(derivative(a, j), b), mul(a, derivative(b, j)))
        case .div(let a, let b):
            // (a/b)' = (a' - (a/b) b') / b, which reuses the quotient itself.
            let da = derivative(a, j), db = derivative(b, j)
            if isZero(db) { return div(da, b) }
            return div(sub(da, mul(id, db)), b)
        case .powi(let a, let n):
            let da = derivative(a, j)
            if isZero(da) { return constant(0) }
            return mul(mul(constant(Double(n)), powi(a, n - 1)), da)
        case .pow(let a, let b):
            let da = derivative(a, j), db = derivative(b, j)
            if let c = constantValue(b) {
                // Constant exponent: c u^(c-1) u'.
                if isZero(da) { return constant(0) }
                return mul(mul(constant(c), pow(a, constant(c - 1))), da)
            }
            // General: u^v (v' ln u + v u' / u).
            let inner = add(mul(db, call(.log, a)), div(mul(b, da), a))
            return mul(id, inner)
        case .call(let f, let a):
            let da = derivative(a, j)
            if isZero(da) { return constant(0) }
            switch f {
            case .exp: return mul(id, da)
            case .log: return div(da, a)
            case .sqrt: return div(mul(constant(0.5), da), id)
            case .sin: return mul(call(.cos, a), da)
            case .cos: return neg(mul(call(.sin, a), da))
            case .tan: return mul(add(powi(id, 2), constant(1)), da)
            case .atan: return div(da, add(powi(a, 2), constant(1)))
            case .tanh: return mul(sub(constant(1), powi(id, 2)), da)
            case .abs: return mul(call(.sign, a), da)
            case .sign: return constant(0)
            }
        }
    }
}
