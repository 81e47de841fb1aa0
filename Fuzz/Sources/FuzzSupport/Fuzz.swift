internal import CLibFuzzer
public import struct Foundation.Data

#if canImport(Glibc)
import Glibc
#endif

/// The target's test of one input, set once by `fuzz(_:)` before the driver starts.
nonisolated(unsafe) private var fuzzBody: ((Data) -> Void)?

/// Runs libFuzzer with the process's command line, calling `body` with each input.
///
/// SwiftPM links an executable's top-level code as its `main`, so the target's `main.swift`
/// calls this, which starts libFuzzer's driver itself rather than relying on libFuzzer's `main`.
public func fuzz(_ body: @escaping (Data) -> Void) -> Never {
    fuzzBody = body
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) })
}

/// libFuzzer's entry point: its `main` (which SwiftPM's `main` replaces) refers to it, so it must exist.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzBody?(data.map { Data(bytes: $0, count: size) } ?? Data())
    return 0
}
