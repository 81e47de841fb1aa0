/// Receives what a transfer produces. Called on the multi loop's thread only.
protocol TransferSink: AnyObject, Sendable {
    /// The final response head arrived (1xx heads are not delivered).
    func receivedHead(_ head: HTTPResponseHead)
    /// A body chunk arrived; returning `false` pauses the transfer until `resume` is requested.
    func receivedBody(_ chunk: UnsafeRawBufferPointer) -> Bool
    /// The transfer ended: `nil` on success.
    func completed(with error: (any Error)?)
}
