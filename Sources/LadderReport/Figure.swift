/// One figure: the SVG text, and what the report says about it.
public struct Figure: Sendable {
    /// File name without extension (also the figure's id in the report), e.g. "step1-mmlu".
    public var name: String
    public var title: String
    public var caption: String
    public var svg: String
}
