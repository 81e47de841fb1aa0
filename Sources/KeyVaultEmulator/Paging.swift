import Foundation

/// Splits lists into pages linked by an absolute `nextLink` with an opaque `$skiptoken`.
struct Paging {
    static let defaultPageSize = 25
    var pageSize: Int
    var offset: Int

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
            guard let data = Base64URL.decode(token), let offset = Int(String(decoding: data, as: UTF8.self)), offset >= 0 else {
                throw .badParameter("Invalid $skiptoken.")
            }
            self.offset = offset
        } else {
            offset = 0
        }
    }

    /// The items of this page and the link to the next one (`nil` on the last page).
    func page<Item>(_ items: [Item], path: String, base: String, apiVersion: String) -> ([Item], String?) {
        let start = min(offset, items.count)
        let end = min(start + pageSize, items.count)
        guard end < items.count else { return (Array(items[start..<end]), nil) }
        let token = Base64URL.encode(Data(String(end).utf8))
        return (Array(items[start..<end]), "\(base)\(path)?api-version=\(apiVersion)&maxresults=\(pageSize)&$skiptoken=\(token)")
    }
}
