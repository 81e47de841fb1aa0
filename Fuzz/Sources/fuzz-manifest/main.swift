import Foundation
import FuzzSupport
import UserIntegrationReconciler

let validator = try! ManifestValidator()

/// What `keyvault-operator validate -f FILE` does with a file's bytes.
fuzz { data in
    guard let text = String(data: data, encoding: .utf8) else { return }
    for problem in validator.validate(files: [(path: "fuzz.yaml", text: text)]) { _ = "\(problem)" }
}
