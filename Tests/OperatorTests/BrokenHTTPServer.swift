import Foundation
import TestEnvironment

/// An HTTP server that answers every request with one fixed response (a malformed body, an HTML
/// error page), as a broken proxy or gateway in front of a vault would: Python's http.server.
final class BrokenHTTPServer: @unchecked Sendable {
    // `@unchecked`: used by one test, one call at a time.
    let port = LocalPorts.free()
    private let process = Process()

    init(status: String, contentType: String, body: String) throws {
        let script = """
            import http.server, sys
            status, kind, body = int(sys.argv[2]), sys.argv[3], sys.argv[4].encode()
            class Answer(http.server.BaseHTTPRequestHandler):
                def answer(self):
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                do_GET = do_PUT = do_PATCH = do_DELETE = do_POST = answer
                def log_message(self, *args): pass
            http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Answer).serve_forever()
            """
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, "\(port)", status, contentType, body]
        try process.run()
    }

    /// Waits until the server accepts connections; the limit only ends a test whose server never starts.
    func waitUntilListening() async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if ServerProcess.accepts(port: port) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CocoaError(
            .fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "the broken server did not listen on \(port)"])
    }

    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
