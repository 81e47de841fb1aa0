import Foundation

/// Splits lists into pages linked by an absolute `nextLink` with an opaque `$skiptoken`.
///
/// The token holds the key of the last item given, not a position: the next page starts after that
/// key, so secrets created or deleted between two pages neither hide nor repeat the others.
struct Paging {
    static let defaultPageSize = 25
    var pageSize: Int
    /// The key of the previous page's last item; `nil` on the first page.
    var after: String?

    /// Reads `maxresults` (1…25) and `$skiptoken` from the query.
    init(query: [String: String]) throws(AzureError) {
        if let text = query["maxresults"] {
            guard let size = Int(text), (1...25).contains(size) else {
                throw .badParameter("Invalid maxresults: \(text). The value must be between 1 and 25.")
            }
            pageSize = size
        } else {
            pageSize = Self.defaultPageSize
        }
        if let token = query["$skiptoken"] {
            guard let data = Base64URL.decode(token), let key = String(data: data, encoding: .utf8), !key.isEmpty else {
                throw .badParameter("Invalid $skiptoken.")
            }
            after = key
        } else {
            after = nil
        }
    }

    /// The items of this page and the link to the next one (`nil` on the last page). `items` are in
    /// ascending order of `key`.
    func page<Item>(
        _ items: [Item], key: (Item) -> String, path: String, base: String, apiVersion: String
    ) -> ([Item], String?) {
        let start = after.map { after in items.firstIndex { key($0) > after } ?? items.count } ?? 0
        let end = min(start + pageSize, items.count)
        guard end < items.count else { return (Array(items[start..<end]), nil) }
        let token = Base64URL.encode(Data(key(items[end - 1]).utf8))
        return (
            Array(items[start..<end]),
            "\(base)\(path)?api-version=\(apiVersion)&maxresults=\(pageSize)&$skiptoken=\(token)"
        )
    }
}
