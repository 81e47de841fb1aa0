import Foundation
import Kubernetes
public import YAML

/// One problem in a manifest, at the position libyaml gave its node.
public struct ManifestProblem: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var position: YAMLPosition
    /// The field, e.g. `spec.secretRef.key`.
    public var field: String
    public var message: String

    public var description: String { "\(file):\(position): \(field): \(message)" }
}

/// Checks UserIntegration manifests offline against the CRD's schema (types, required fields,
/// patterns, lengths, enums, date-times, unknown fields) and across documents (one resource per
/// user and type in a namespace), as `keyvault-operator validate` does for GitOps pipelines.
/// Documents of other kinds are skipped.
public struct ManifestValidator: Sendable {
    /// The CRD the rules come from (the file in `crds/`, embedded at build time).
    public static let crdYAML = EmbeddedCRD.yaml + "\n"
    let schema: YAMLNode

    public init() throws {
        let crd = try YAMLParser.parse(Self.crdYAML, file: "crds/userintegrations.integrations.keyvault.dev.yaml")
        guard let schema = crd["spec"]?["versions"]?.sequence?.first?["schema"]?["openAPIV3Schema"] else {
            throw YAMLError(file: "crd", position: crd.position, message: "the embedded CRD has no openAPIV3Schema")
        }
        self.schema = schema
    }

    /// Every problem in the files' UserIntegration documents; empty when they are valid.
    public func validate(files: [(path: String, text: String)]) -> [ManifestProblem] {
        var problems: [ManifestProblem] = []
        var owners: [String: String] = [:]
        for (path, text) in files {
            let documents: [YAMLNode]
            do {
                documents = try YAMLParser.parseDocuments(text, file: path)
            } catch let error as YAMLError {
                problems.append(
                    ManifestProblem(
                        file: path, position: error.position, field: error.path ?? "-", message: error.message))
                continue
            } catch {
                problems.append(
                    ManifestProblem(
                        file: path, position: YAMLPosition(line: 1, column: 1), field: "-", message: "\(error)"))
                continue
            }
            for document in documents where document["kind"]?.scalar == "UserIntegration" {
                var found: [ManifestProblem] = []
                check(document, against: schema, field: "", file: path, into: &found)
                found += checkIdentity(document, file: path, owners: &owners)
                problems += found
            }
        }
        return problems
    }

    /// apiVersion, name, and one resource per (namespace, userId, type) across all documents.
    private func checkIdentity(_ document: YAMLNode, file: String, owners: inout [String: String]) -> [ManifestProblem]
    {
        var problems: [ManifestProblem] = []
        let expected = "\(UserIntegration.resource.group)/\(UserIntegration.resource.version)"
        if let apiVersion = document["apiVersion"], apiVersion.scalar != expected {
            problems.append(
                ManifestProblem(
                    file: file, position: apiVersion.position, field: "apiVersion", message: "must be \(expected)"))
        }
        let name = document["metadata"]?["name"]
        if name?.scalar?.range(
            of: #"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"#, options: .regularExpression)
            == nil
            || (name?.scalar?.count ?? 0) > 253
        {
            problems.append(
                ManifestProblem(
                    file: file, position: (name ?? document).position, field: "metadata.name",
                    message: "required: a lowercase DNS name of at most 253 characters"))
        }
        if let user = document["spec"]?["userId"]?.scalar, let type = document["spec"]?["type"],
            let typeName = type.scalar
        {
            let key = "\(document["metadata"]?["namespace"]?.scalar ?? "(default namespace)")/\(user)/\(typeName)"
            let here = "\(file):\(document.position)"
            if let first = owners[key] {
                problems.append(
                    ManifestProblem(
                        file: file, position: type.position, field: "spec.type",
                        message:
                            "user \(user) already has a \(typeName) integration in this namespace (\(first)); the second would be a Conflict"
                    ))
            } else {
                owners[key] = here
            }
        }
        return problems
    }

    /// The OpenAPI v3 subset structural CRD schemas use.
    private func check(
        _ node: YAMLNode, against schema: YAMLNode, field: String, file: String, into problems: inout [ManifestProblem]
    ) {
        func problem(_ message: String, field named: String? = nil) {
            let name = named ?? field
            problems.append(
                ManifestProblem(
                    file: file, position: node.position, field: name.isEmpty ? "(document)" : name, message: message))
        }
        switch schema["type"]?.scalar {
        case "object":
            guard let entries = node.mapping else { return problem("must be an object") }
            let properties = schema["properties"]?.mapping ?? []
            for required in schema["required"]?.sequence?.compactMap(\.scalar) ?? []
            where node[required] == nil || node[required]?.isNull == true {
                problem("required, missing", field: Self.join(field, required))
            }
            // `type: object` without properties (metadata) holds anything.
            guard !properties.isEmpty else { return }
            for entry in entries {
                let key = entry.key.scalar ?? ""
                if let property = properties.first(where: { $0.key.scalar == key })?.value {
                    if !entry.value.isNull {
                        check(entry.value, against: property, field: Self.join(field, key), file: file, into: &problems)
                    }
                } else {
                    problems.append(
                        ManifestProblem(
                            file: file, position: entry.key.position, field: Self.join(field, key),
                            message: "unknown field (the API server would drop it)"))
                }
            }
        case "array":
            guard let items = node.sequence else { return problem("must be a list") }
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() {
                    check(item, against: itemSchema, field: "\(field)[\(index)]", file: file, into: &problems)
                }
            }
        case "integer":
            guard case .int(let value) = node.resolvedScalar else { return problem("must be an integer") }
            if let minimum = schema["minimum"]?.scalar.flatMap(Int.init), value < minimum {
                problem("must be at least \(minimum)")
            }
        case "string":
            guard case .string(let text) = node.resolvedScalar else {
                return problem(
                    "must be a string (quote it: \(node.scalar.map { "\"\($0)\"" } ?? "a mapping or list is not a string"))"
                )
            }
            checkString(text, schema, problem)
        default:
            break
        }
    }

    private func checkString(_ text: String, _ schema: YAMLNode, _ problem: (String, String?) -> Void) {
        if let allowed = schema["enum"]?.sequence?.compactMap(\.scalar), !allowed.contains(text) {
            problem("unsupported value \"\(text)\": use one of \(allowed.joined(separator: ", "))", nil)
        }
        if let limit = schema["maxLength"]?.scalar.flatMap(Int.init), text.count > limit {
            problem("longer than \(limit) characters", nil)
        }
        if let pattern = schema["pattern"]?.scalar, text.range(of: pattern, options: .regularExpression) == nil {
            problem("\"\(text)\" does not match \(pattern)", nil)
        }
        if schema["format"]?.scalar == "date-time", !Self.isDateTime(text) {
            problem("\"\(text)\" is not an RFC 3339 date-time such as 2026-12-28T00:00:00Z", nil)
        }
    }

    static func isDateTime(_ text: String) -> Bool {
        let pattern = #"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"#
        guard text.range(of: pattern, options: .regularExpression) != nil else { return false }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions =
            text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return formatter.date(from: text.uppercased()) != nil
    }

    static func join(_ field: String, _ key: String) -> String { field.isEmpty ? key : "\(field).\(key)" }
}
