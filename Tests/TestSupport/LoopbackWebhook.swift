import Foundation

/// A one-shot HTTP server on loopback (Python's http.server) that writes the body of the first POST
/// to a file and answers 200: the webhook the check and alert tests post to.
public final class LoopbackWebhook {
    static let server = """
        import http.server, sys
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers['Content-Length']))
                open(sys.argv[2], 'wb').write(body)
                self.send_response(200); self.end_headers(); self.wfile.write(b'ok')
            def log_message(self, *args): pass
        httpd = http.server.HTTPServer(('127.0.0.1', 0), Handler)
        open(sys.argv[1], 'w').write(str(httpd.server_address[1]))
        httpd.handle_request()
        """

    /// A scratch folder for the server's files and the test's own.
    public let directory: URL
    public let url: String
    private let process: GridcastProcess.Running
    private var bodyFile: URL { directory.appendingPathComponent("body") }

    public init(path: String = "/hook") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gridcast-webhook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let portFile = directory.appendingPathComponent("port")
        process = try GridcastProcess.startTool("/usr/bin/env", ["python3", "-c", Self.server, portFile.path,
                                                                 directory.appendingPathComponent("body").path])
        var port: String?
        for _ in 0..<200 where port == nil {
            port = try? String(contentsOf: portFile, encoding: .utf8)
            if port == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard let port else {
            process.kill()
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "the loopback webhook did not start"])
        }
        url = "http://127.0.0.1:\(port)\(path)"
    }

    /// The body of the POST received, nil before one arrived.
    public func body() -> Data? { try? Data(contentsOf: bodyFile) }

    deinit {
        process.kill()
        _ = process.wait()
        try? FileManager.default.removeItem(at: directory)
    }
}
