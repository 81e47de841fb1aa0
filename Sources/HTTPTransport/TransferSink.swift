/// Receives what a transfer produces. Called on the multi loop's thread only.
protocol TransferSink: AnyObject, Sendable {
    /// The final response head arrived (1xx heads are not delivered).
    func receivedHead(_ head: HTTPResponseHead)
    /// A body chunk arrived: take it, pause the transfer until `resume` is requested (the chunk
    /// is delivered again then), or abort the transfer.
    func receivedBody(_ chunk: UnsafeRawBufferPointer) -> BodyChunkDisposition
    /// The transfer ended: `nil` on success.
    func completed(with error: (any Error)?)
}

/// What a sink does with a body chunk.
enum BodyChunkDisposition {
    case taken, pause, abort
}
