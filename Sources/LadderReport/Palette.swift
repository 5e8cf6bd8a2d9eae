/// Colour-blind-safe palette (Okabe & Ito) plus greys.
public enum Palette {
    public static let series = ["#56B4E9", "#009E73", "#0072B2", "#CC79A7", "#E69F00", "#D55E00", "#F0E442", "#000000"]
    /// Ladder model sizes, small to large: light to dark blue-green-purple.
    public static let sizes = ["#56B4E9", "#009E73", "#0072B2", "#CC79A7", "#8C6BB1", "#332288"]
    /// Targets: orange, vermillion, then the rest.
    public static let targets = ["#E69F00", "#D55E00", "#882255", "#117733"]
    public static let grid = "#e4e4e4"
    public static let axis = "#333333"
    public static let muted = "#9a9a9a"

    public static func size(_ i: Int) -> String { sizes[i % sizes.count] }
    public static func target(_ i: Int) -> String { targets[i % targets.count] }
}
