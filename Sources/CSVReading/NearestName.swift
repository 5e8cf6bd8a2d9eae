/// "Did you mean ...?" for names typed by a person: option values, config keys, column names.
public enum NearestName {
    /// The closest candidate within an edit distance of max(2, a third of the name's length), or nil.
    public static func nearest(to name: String, among candidates: some Sequence<String>) -> String? {
        let limit = max(2, name.count / 3)
        let scored = candidates.map { (name: $0, distance: editDistance($0.lowercased(), name.lowercased())) }
        guard let best = scored.min(by: { ($0.distance, $0.name) < ($1.distance, $1.name) }), best.distance <= limit else { return nil }
        return best.name
    }

    /// Levenshtein distance (insertions, deletions, substitutions), on characters.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = prev
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}
