import Foundation

/// Opaque `nextToken`s for keyset paging: a token holds the sort key of the last item returned, so a page
/// continues after it even when items were added or removed in between.
public enum PageToken {
    /// The page size Step Functions and Logs use when the caller gives none (or 0).
    public static let defaultPageSize = 100

    public static func encode(_ key: String) -> String {
        Data(key.utf8).base64EncodedString()
    }

    /// The key a token holds; a token this service did not hand out is `invalid`.
    public static func decode(
        _ token: String, invalid: AWSError = AWSError("InvalidToken", "Invalid Token: 'Invalid pagination token'")
    ) throws(AWSError) -> String {
        guard let data = Data(base64Encoded: token), let key = String(data: data, encoding: .utf8) else {
            throw invalid
        }
        return key
    }

    /// A page of `items` (sorted ascending by `key`) after the token's key, at most `limit` long (nil or 0: the
    /// default), with the token of the next page when more remain.
    public static func page<Item>(
        _ items: [Item], after token: String?, limit: Int?, key: (Item) -> String,
        invalid: AWSError = AWSError("InvalidToken", "Invalid Token: 'Invalid pagination token'")
    ) throws(AWSError) -> (items: [Item], nextToken: String?) {
        var rest = items[...]
        if let token {
            let after = try decode(token, invalid: invalid)
            rest = rest.drop(while: { key($0) <= after })
        }
        let size = limit.flatMap { $0 > 0 ? $0 : nil } ?? defaultPageSize
        let page = Array(rest.prefix(size))
        let next = rest.count > size ? page.last.map { encode(key($0)) } : nil
        return (page, next)
    }
}
