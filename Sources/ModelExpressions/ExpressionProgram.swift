import Foundation

/// One instruction of the CPU evaluator: computes register `base + i` (for instruction i) from registers a, b.
struct Instruction: Sendable {
    enum Op: UInt8, Sendable {
        case add, sub, mul, div, neg
        /// Integer power, exponent in `n` (evaluated as the OpenCL code does: products for |n| <= 4).
        case powi
        case pow
        case exp, log, sqrt, sin, cos, tan, atan, tanh, abs, sign
    }

    var op: Op
    var a: Int32 = 0
    var b: Int32 = 0
    var n: Int32 = 0
}

/// The CPU program in raw buffers (immutable after init), so that evaluation touches no reference counts.
///
/// Register file: constants, then p, then x, then one register per computed node (in instruction order).
final class RegisterProgram: @unchecked Sendable {
    let constants: UnsafeMutableBufferPointer<Double>
    let code: UnsafeMutableBufferPointer<Instruction>
    let outputs: UnsafeMutableBufferPointer<Int32>  // value, then df/dp_j
    let parameterCount: Int
    let variableCount: Int
    var registerCount: Int { constants.count + parameterCount + variableCount + code.count }

    init(constants: [Double], code: [Instruction], outputs: [Int32], parameterCount: Int, variableCount: Int) {
        func copy<T>(_ a: [T]) -> UnsafeMutableBufferPointer<T> {
            let b = UnsafeMutableBufferPointer<T>.allocate(capacity: max(a.count, 1))
            _ = b.initialize(from: a)
            return UnsafeMutableBufferPointer(rebasing: b[0..<a.count])
        }
        self.constants = copy(constants)
        self.code = copy(code)
        self.outputs = copy(outputs)
        self.parameterCount = parameterCount
        self.variableCount = variableCount
    }

    deinit {
        constants.baseAddress?.deallocate()
        code.baseAddress?.deallocate()
        outputs.baseAddress?.deallocate()
    }

    /// Returns f and writes df/dp into `dfdp`. Scratch registers live on the stack; no heap allocation.
    @inline(__always)
    func run(_ p: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ dfdp: UnsafeMutablePointer<Double>) -> Double {
        let nc = constants.count, np = parameterCount, nv = variableCount
        let base = nc + np + nv
        let ins = code
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: base + ins.count) { r in
            let c = constants
            for i in 0..<nc { r[i] = c[i] }
            for j in 0..<np { r[nc + j] = p[j] }
            for v in 0..<nv { r[nc + np + v] = x[v] }
            for i in 0..<ins.count {
                let I = ins[i]
                let u = r[Int(I.a)]
                let v: Double
                switch I.op {
                case .add: v = u + r[Int(I.b)]
                case .sub: v = u - r[Int(I.b)]
                case .mul: v = u * r[Int(I.b)]
                case .div: v = u / r[Int(I.b)]
                case .neg: v = -u
                case .powi: v = integerPower(u, Int(I.n))
                case .pow: v = Foundation.pow(u, r[Int(I.b)])
                case .exp: v = Foundation.exp(u)
                case .log: v = Foundation.log(u)
                case .sqrt: v = u.squareRoot()
                case .sin: v = Foundation.sin(u)
                case .cos: v = Foundation.cos(u)
                case .tan: v = Foundation.tan(u)
                case .atan: v = Foundation.atan(u)
                case .tanh: v = Foundation.tanh(u)
                case .abs: v = Swift.abs(u)
                case .sign: v = u > 0 ? 1 : (u < 0 ? -1 : 0)
                }
                r[base + i] = v
            }
            let out = outputs
            for j in 1..<out.count { dfdp[j - 1] = r[Int(out[j])] }
            return r[Int(out[0])]
        }
    }
}

/// Integer powers up to this magnitude are written as products; larger ones call `pown`.
let maxProductPower = 4

/// The value and Jacobian of an expression, compiled once: a flat instruction list for the CPU and the
/// equivalent OpenCL C source.
struct CompiledExpression: Sendable {
    let program: RegisterProgram
    let openCLBody: String

    /// `roots[0]` is the value, `roots[1...]` the derivatives in parameter order.
    init(graph: ExpressionGraph, roots: [Int], parameterCount: Int, variableCount: Int) {
        // Reachable nodes, in id order (children before parents), and how often each is referenced.
        var reachable = Set<Int>()
        var refCount: [Int: Int] = [:]
        var stack = roots
        for r in roots { refCount[r, default: 0] += 1 }
        while let id = stack.popLast() {
            if !reachable.insert(id).inserted { continue }
            for c in Self.children(graph[id]) {
                refCount[c, default: 0] += 1
                stack.append(c)
            }
        }
        let order = reachable.sorted()

        // CPU program: constants, p and x in the first registers, then one register per computed node.
        var constants: [Double] = []
        var constantRegister: [Int: Int32] = [:]
        for id in order {
            if case .constant(let bits) = graph[id] {
                constantRegister[id] = Int32(constants.count)
                constants.append(Double(bitPattern: bits))
            }
        }
        let base = constants.count + parameterCount + variableCount
        var register: [Int: Int32] = [:]
        var code: [Instruction] = []
        for id in order {
            switch graph[id] {
            case .constant: register[id] = constantRegister[id]!
            case .parameter(let j): register[id] = Int32(constants.count + j)
            case .variable(let v): register[id] = Int32(constants.count + parameterCount + v)
            default:
                code.append(Self.instruction(graph[id], register))
                register[id] = Int32(base + code.count - 1)
            }
        }
        self.program = RegisterProgram(constants: constants, code: code, outputs: roots.map { register[$0]! },
                                       parameterCount: parameterCount, variableCount: variableCount)

        // OpenCL: a temporary per non-leaf node used more than once (or used as the base of a small integer
        // power, which is written out as a product), everything else inline.
        var needsTemp = Set<Int>()
        for id in order where !graph[id].isLeaf {
            if refCount[id, default: 0] > 1 { needsTemp.insert(id) }
            if case .powi(let base, let n) = graph[id], Swift.abs(n) <= maxProductPower, !graph[base].isLeaf {
                needsTemp.insert(base)
            }
        }
        var writer = CWriter(graph: graph, tempNames: [:])
        var lines: [String] = []
        for id in order where needsTemp.contains(id) {
            let name = "t\(writer.tempNames.count)"
            let text = writer.expression(id).text
            writer.tempNames[id] = name
            lines.append("    const REAL \(name) = \(text);")
        }
        for (j, r) in roots.dropFirst().enumerated() {
            lines.append("    dfdp[\(j)] = \(writer.expression(r).text);")
        }
        lines.append("    return \(writer.expression(roots[0]).text);")
        self.openCLBody = lines.joined(separator: "\n")
    }

    static func children(_ node: ExprNode) -> [Int] {
        switch node {
        case .constant, .parameter, .variable: return []
        case .add(let a, let b), .sub(let a, let b), .mul(let a, let b), .div(let a, let b), .pow(let a, let b):
            return [a, b]
        case .neg(let a), .powi(let a, _), .call(_, let a): return [a]
        }
    }

    private static func instruction(_ node: ExprNode, _ reg: [Int: Int32]) -> Instruction {
        switch node {
        case .constant, .parameter, .variable: preconditionFailure("leaves live in registers")
        case .add(let a, let b): return Instruction(op: .add, a: reg[a]!, b: reg[b]!)
        case .sub(let a, let b): return Instruction(op: .sub, a: reg[a]!, b: reg[b]!)
        case .mul(let a, let b): return Instruction(op: .mul, a: reg[a]!, b: reg[b]!)
        case .div(let a, let b): return Instruction(op: .div, a: reg[a]!, b: reg[b]!)
        case .pow(let a, let b): return Instruction(op: .pow, a: reg[a]!, b: reg[b]!)
        case .neg(let a): return Instruction(op: .neg, a: reg[a]!)
        case .powi(let a, let n): return Instruction(op: .powi, a: reg[a]!, n: Int32(n))
        case .call(let f, let a):
            let op: Instruction.Op
            switch f {
            case .exp: op = .exp
            case .log: op = .log
            case .sqrt: op = .sqrt
            case .sin: op = .sin
            case .cos: op = .cos
            case .tan: op = .tan
            case .atan: op = .atan
            case .tanh: op = .tanh
            case .abs: op = .abs
            case .sign: op = .sign
            }
            return Instruction(op: op, a: reg[a]!)
        }
    }
}

/// u^n exactly as the generated OpenCL C computes it.
@inline(__always)
func integerPower(_ u: Double, _ n: Int) -> Double {
    let m = Swift.abs(n)
    guard m <= maxProductPower else { return Foundation.pow(u, Double(n)) }
    var q = u
    for _ in 1..<m { q = q * u }
    return n < 0 ? 1 / q : q
}

/// Writes graph nodes as OpenCL C expressions with minimal parentheses.
struct CWriter {
    let graph: ExpressionGraph
    var tempNames: [Int: String]

    // Precedence: 1 additive, 2 multiplicative, 3 unary/cast, 4 primary.
    func expression(_ id: Int) -> (text: String, precedence: Int) {
        if let name = tempNames[id] { return (name, 4) }
        func operand(_ c: Int, _ minPrecedence: Int) -> String {
            let e = expression(c)
            return e.precedence >= minPrecedence ? e.text : "(\(e.text))"
        }
        switch graph[id] {
        case .constant(let bits): return CWriter.literal(Double(bitPattern: bits))
        case .parameter(let j): return ("p[\(j)]", 4)
        case .variable(let v): return ("x[\(v)]", 4)
        case .add(let a, let b): return ("\(operand(a, 1)) + \(operand(b, 2))", 1)
        case .sub(let a, let b): return ("\(operand(a, 1)) - \(operand(b, 2))", 1)
        case .mul(let a, let b): return ("\(operand(a, 2)) * \(operand(b, 3))", 2)
        case .div(let a, let b): return ("\(operand(a, 2)) / \(operand(b, 3))", 2)
        case .neg(let a): return ("-\(operand(a, 3))", 3)
        case .pow(let a, let b): return ("pow(\(expression(a).text), \(expression(b).text))", 4)
        case .call(let f, let a): return ("\(f.openCLName)(\(expression(a).text))", 4)
        case .powi(let a, let n):
            let m = Swift.abs(n)
            if m > maxProductPower { return ("pown(\(expression(a).text), \(n))", 4) }
            let base = operand(a, 3)
            let product = Array(repeating: base, count: m).joined(separator: " * ")
            if n > 0 { return (product, m == 1 ? 4 : 2) }
            return ("(REAL)1 / \(m == 1 ? product : "(\(product))")", 2)
        }
    }

    /// A literal that compiles both with REAL = double and REAL = float.
    static func literal(_ v: Double) -> (text: String, precedence: Int) {
        let body: String
        if v.isNaN { return ("(REAL)NAN", 3) }
        if v.isInfinite { return (v > 0 ? "(REAL)INFINITY" : "(-(REAL)INFINITY)", v > 0 ? 3 : 4) }
        if v == v.rounded(), Swift.abs(v) < 1e15 {
            body = String(Int64(v))
        } else {
            body = "\(v)"  // shortest round-trip form, e.g. 0.5, 1e-05, 3.141592653589793
        }
        return v < 0 ? ("((REAL)\(body))", 4) : ("(REAL)\(body)", 3)
    }
}
