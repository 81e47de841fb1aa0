import CCurl
import COpenSSL
import Foundation
import Synchronization

/// A dedicated thread that drives every transfer of one client through a libcurl multi handle.
///
/// Blocking libcurl work never runs on Swift's cooperative pool: callers submit commands and are
/// resumed by the sinks. The multi handle keeps the connection cache (keep-alive, HTTP/2
/// multiplexing), so requests to one host share connections.
///
/// `@unchecked Sendable`: it owns the multi handle, which only the loop thread touches; commands
/// cross threads through a `Mutex` and `curl_multi_wakeup`, which libcurl documents as thread-safe.
final class CurlMultiLoop: @unchecked Sendable {
    enum Command {
        case add(CurlTransfer)
        case resume(CurlTransfer)
        case cancel(CurlTransfer, any Error)
        case shutdown
    }

    private let multi: UnsafeMutableRawPointer
    private let commands = Mutex<(pending: [Command], accepting: Bool)>(([], true))
    private let stopped = Mutex<Bool>(false)
    private var transfers: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    init(maxConnectionsPerHost: Int) {
        _ = CurlGlobal.initialized
        multi = curl_multi_init()
        if maxConnectionsPerHost > 0 {
            _ = kvo_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnectionsPerHost)
        }
        let thread = Thread { [self] in run() }
        thread.name = "curl-multi-loop"
        thread.start()
    }

    /// Queues a command for the loop; returns `false` once the loop is shutting down.
    @discardableResult
    func submit(_ command: Command) -> Bool {
        let accepted = commands.withLock { state -> Bool in
            guard state.accepting else { return false }
            if case .shutdown = command { state.accepting = false }
            state.pending.append(command)
            return true
        }
        if accepted { curl_multi_wakeup(multi) }
        return accepted
    }

    private func run() {
        var running: Int32 = 0
        var shuttingDown = false
        while !(shuttingDown && transfers.isEmpty) {
            let pending = commands.withLock { state in
                defer { state.pending.removeAll() }
                return state.pending
            }
            for command in pending {
                if case .shutdown = command { shuttingDown = true }
                handle(command)
            }
            if shuttingDown {
                for transfer in Array(transfers.values) {
                    remove(
                        transfer, error: HTTPError(code: .shutdown, message: "the client shut down", url: transfer.url))
                }
                break
            }
            curl_multi_perform(multi, &running)
            collectFinishedTransfers()
            var ready: Int32 = 0
            curl_multi_poll(multi, nil, 0, 1000, &ready)
        }
        curl_multi_cleanup(multi)
        stopped.withLock { $0 = true }
    }

    private func handle(_ command: Command) {
        switch command {
        case .add(let transfer):
            let code = curl_multi_add_handle(multi, transfer.easy)
            if code == CURLM_OK {
                transfers[transfer.easy] = transfer
            } else {
                transfer.sink.completed(
                    with: HTTPError(code: .transport, message: "curl_multi_add_handle failed", url: transfer.url))
                transfer.close()
            }
        case .resume(let transfer):
            if transfers[transfer.easy] === transfer { curl_easy_pause(transfer.easy, kvo_curlpause_cont) }
        case .cancel(let transfer, let error):
            // Identity, not the handle's address: a finished transfer's address may be reused.
            if transfers[transfer.easy] === transfer { remove(transfer, error: error) }
        case .shutdown:
            break
        }
    }

    private func collectFinishedTransfers() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                let transfer = transfers.removeValue(forKey: easy)
            else { continue }
            let result = message.pointee.data.result
            curl_multi_remove_handle(multi, easy)
            transfer.finished(result: result)
            transfer.close()
        }
    }

    private func remove(_ transfer: CurlTransfer, error: any Error) {
        transfers.removeValue(forKey: transfer.easy)
        curl_multi_remove_handle(multi, transfer.easy)
        transfer.sink.completed(with: error)
        transfer.close()
    }

    /// Fails every transfer in flight, stops the thread and frees the multi handle.
    func shutdown() {
        submit(.shutdown)
    }
}

/// `curl_global_init` must run once before any other libcurl call.
enum CurlGlobal {
    static let initialized: Bool = {
        kvo_openssl_keep_state_at_exit()  // libcurl initialises OpenSSL next
        return curl_global_init(kvo_curl_global_default) == CURLE_OK
    }()
}
