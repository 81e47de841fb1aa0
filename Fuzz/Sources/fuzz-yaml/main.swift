import Foundation
import FuzzSupport
import YAML

/// A shape like the ones the project decodes (kubeconfigs, manifests): every scalar type, keyed
/// and unkeyed containers, two levels deep.
struct Probe: Decodable {
    struct Item: Decodable {
        var name: String
        var port: Int?
        var small: UInt8?
        var ratio: Double?
        var enabled: Bool?
        var tags: [String: String]?
        var values: [Int64]?
    }
    var kind: String?
    var count: Int32?
    var items: [Item]?
    var byName: [String: Item]?
    var item: Item?
}

func resolveScalars(_ node: YAMLNode, budget: inout Int) {
    guard budget > 0 else { return }
    budget -= 1
    _ = node.resolvedScalar
    for item in node.sequence ?? [] { resolveScalars(item, budget: &budget) }
    for entry in node.mapping ?? [] {
        resolveScalars(entry.key, budget: &budget)
        resolveScalars(entry.value, budget: &budget)
    }
}

/// The YAML parser with positions and the decoder whose errors name them.
fuzz { data in
    let text = String(decoding: data, as: UTF8.self)
    let documents: [YAMLNode]
    do {
        documents = try YAMLParser.parseDocuments(text, file: "fuzz.yaml")
    } catch {
        _ = "\(error)"
        return
    }
    var budget = 10_000  // Aliases make a tree a graph: visit a bounded number of nodes.
    for document in documents {
        resolveScalars(document, budget: &budget)
        do {
            _ = try YAMLDecoder().decode(Probe.self, from: document, file: "fuzz.yaml")
        } catch {
            _ = "\(error)"
        }
    }
    if documents.count == 1 { _ = try? YAMLParser.parse(text) }
}
