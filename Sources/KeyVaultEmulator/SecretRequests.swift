/// The writable attributes of a secret in a request body.
struct SecretAttributesInput: Decodable, Sendable {
    var enabled: Bool?
    var nbf: Int?
    var exp: Int?
}

/// `PUT /secrets/{name}` body.
struct SetSecretRequest: Decodable, Sendable {
    var value: String?
    var contentType: String?
    var attributes: SecretAttributesInput?
    var tags: [String: String]?
}

/// `PATCH /secrets/{name}/{version}` body: absent fields stay unchanged.
struct UpdateSecretRequest: Decodable, Sendable {
    var contentType: String?
    var attributes: SecretAttributesInput?
    var tags: [String: String]?
}

/// `POST /secrets/restore` body.
struct RestoreSecretRequest: Decodable, Sendable {
    var value: String?
}
