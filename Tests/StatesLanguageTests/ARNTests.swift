import Formats
import Testing

@Suite struct ARNTests {
    /// Fields split at every colon, empty ones kept (S3's ARNs have an empty region and account).
    @Test func fieldsKeepEmptyOnesAndSplitAtEveryColon() {
        #expect(
            ARN.fields("arn:aws:states:us-east-1:000000000000:stateMachine:M:rev")
                == ["arn", "aws", "states", "us-east-1", "000000000000", "stateMachine", "M", "rev"])
        #expect(ARN.fields("arn:aws:s3:::bucket/key") == ["arn", "aws", "s3", "", "", "bucket/key"])
        #expect(ARN.fields("") == [""])
        #expect(ARN.fields("näme:été") == ["näme", "été"])
    }
}
