import LadderFit
import Testing

/// A correlation with a constant column is undefined: n/a with the reason, never NaN.
@Suite struct VarianceCorrelationTests {
    @Test func constantMeasureIsNotApplicableWithItsReason() throws {
        let constant = VarianceReport.correlation("starts reaching best", target: "7B", measures: [1, 1, 1, 1], errors: [0.5, 1, 2, 3])
        #expect(constant.spearman == nil && constant.pearson == nil)
        #expect(constant.undefinedReason == "starts reaching best is the same for every task")
        let flatError = VarianceReport.correlation("loss CV", target: "7B", measures: [1, 2, 3], errors: [2, 2, 2])
        #expect(flatError.undefinedReason == "|error| at 7B is the same for every task")
        // A monotone relation: Spearman exactly 1, Pearson below it.
        let monotone = VarianceReport.correlation("loss CV", target: "7B", measures: [1, 2, 3, 4], errors: [1, 2, 4, 16])
        #expect(monotone.spearman == 1 && monotone.undefinedReason == nil)
        #expect(try #require(monotone.pearson) < 1 && monotone.pearson! > 0.8)
    }
}
