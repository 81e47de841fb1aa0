import Foundation
import FuzzSupport
import YAML

@testable import Kubernetes

/// A kubeconfig's text decoded as `Kubeconfig.load` decodes a file (read from memory: an empty
/// file leaks 4 KB in Foundation's `FileManager.contents(atPath:)`), then its current context
/// resolved, exec plugins left out (resolving runs them).
fuzz { data in
    let text = String(decoding: data, as: UTF8.self)
    guard var kubeconfig = try? YAMLDecoder().decode(Kubeconfig.self, from: text, file: "config") else { return }
    for index in (kubeconfig.users ?? []).indices { kubeconfig.users![index].user.exec = nil }
    _ = try? kubeconfig.resolve(context: nil)
}
