import Foundation

/// Marker shapes.
public enum MarkerShape: String, Sendable {
    case circle, square, diamond, triangle, cross, star
}

/// A marker shape centred on (cx, cy): a circle (cx, cy) or a path translated to (cx, cy).
func markerShape(_ cx: Double, _ cy: Double, shape: MarkerShape, color: String, size r: Double, filled: Bool, opacity: Double = 1,
                 attrs: String) -> String {
    let fill = filled ? "fill=\"\(color)\" stroke=\"#ffffff\" stroke-width=\"0.8\"" : "fill=\"#ffffff\" stroke=\"\(color)\" stroke-width=\"1.8\""
    let op = opacity < 1 ? " fill-opacity=\"\(px(opacity))\" stroke-opacity=\"\(px(opacity))\"" : ""
    let d: String
    switch shape {
    case .circle:
        return "<circle \(attrs) cx=\"\(px(cx))\" cy=\"\(px(cy))\" r=\"\(px(r))\" \(fill)\(op)/>"
    case .square:
        let s = r * 0.9
        d = "M\(px(-s)),\(px(-s))H\(px(s))V\(px(s))H\(px(-s))Z"
    case .diamond:
        let s = r * 1.3
        d = "M0,\(px(-s))L\(px(s)),0L0,\(px(s))L\(px(-s)),0Z"
    case .triangle:
        let s = r * 1.25
        d = "M0,\(px(-s))L\(px(s * 0.95)),\(px(s * 0.7))L\(px(-s * 0.95)),\(px(s * 0.7))Z"
    case .cross:
        let s = r * 1.1
        // A white halo first, so the cross stays visible on top of a marker of its own colour.
        let d = "M\(px(-s)),\(px(-s))L\(px(s)),\(px(s))M\(px(-s)),\(px(s))L\(px(s)),\(px(-s))"
        let t = "transform=\"translate(\(px(cx)),\(px(cy)))\""
        return "<path \(t) d=\"\(d)\" fill=\"none\" stroke=\"#ffffff\" stroke-width=\"4.4\" stroke-linecap=\"round\"\(op)/>"
            + "<path \(attrs) \(t) d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2.2\" stroke-linecap=\"round\"\(op)/>"
    case .star:
        let outer = r * 1.5, inner = outer * 0.45
        var pts = [String]()
        for k in 0..<10 {
            let a = -Double.pi / 2 + Double(k) * Double.pi / 5, rr = k % 2 == 0 ? outer : inner
            pts.append("\(px(rr * cos(a))),\(px(rr * sin(a)))")
        }
        d = "M" + pts.joined(separator: "L") + "Z"
    }
    return "<path \(attrs) transform=\"translate(\(px(cx)),\(px(cy)))\" d=\"\(d)\" \(fill)\(op)/>"
}
