/// Hands out the fits of a batch in blocks, for workers that refill lanes one fit at a time.
public struct FitFeed {
    /// Claims the next block number (shared by all workers of a batch).
    let claimBlock: () -> Int
    let blockSize: Int
    let fits: Int
    var next = 0, end = 0, exhausted = false

    public init(blockSize: Int, fits: Int, claimBlock: @escaping () -> Int) {
        self.claimBlock = claimBlock
        self.blockSize = blockSize
        self.fits = fits
    }

    /// The next fit for this worker, or nil when the batch is used up.
    public mutating func take() -> Int? {
        if exhausted { return nil }
        if next == end {
            let begin = claimBlock() * blockSize
            if begin >= fits { exhausted = true; return nil }
            next = begin
            end = min(begin + blockSize, fits)
        }
        next += 1
        return next - 1
    }
}
