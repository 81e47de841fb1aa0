import ControllerRuntime
import Testing

struct WorkQueueTests {
    @Test func keysAreDeduplicatedAndNewWorkGoesAheadOfResyncs() async {
        let queue = WorkQueue<String>()
        queue.add("a", priority: .resync)
        queue.add("b", priority: .resync)
        queue.add("c")
        queue.add("c")
        queue.add("b")
        #expect(queue.depth == 3)
        #expect(await queue.next() == "c")
        #expect(await queue.next() == "b")
        #expect(await queue.next() == "a")
    }

    @Test func aKeyIsNeverProcessedTwiceAtOnceButIsRequeuedWhenDone() async {
        let queue = WorkQueue<String>()
        queue.add("k")
        #expect(await queue.next() == "k")
        queue.add("k")
        #expect(queue.depth == 0)
        queue.done("k")
        #expect(queue.depth == 1)
        #expect(await queue.next() == "k")
    }

    @Test func backoffDoublesFromFiveMillisecondsToItsCap() {
        let queue = WorkQueue<String>()
        #expect(queue.retry("x") == .milliseconds(5))
        #expect(queue.retry("x") == .milliseconds(10))
        #expect(queue.retry("x") == .milliseconds(20))
        queue.forget("x")
        #expect(queue.retry("x") == .milliseconds(5))
        let capped = WorkQueue<String>(baseDelay: .milliseconds(5), maxDelay: .seconds(1000))
        for _ in 0..<30 { capped.retry("y") }
        #expect(capped.retry("y") == .seconds(1000))
    }

    @Test func delayedKeysArriveAfterTheirDelay() async {
        let queue = WorkQueue<String>()
        let timer = Task { await queue.run(tick: .milliseconds(5)) }
        defer { timer.cancel() }
        let added = ContinuousClock.now
        queue.add("later", after: .milliseconds(50))
        // Not queued before its delay: a key may be queued by now only if a loaded machine stalled
        // this thread for the whole delay since the add.
        #expect(queue.depth == 0 || ContinuousClock.now - added >= .milliseconds(50))
        #expect(await queue.next() == "later")
        #expect(ContinuousClock.now - added >= .milliseconds(50))
    }

    @Test func shutDownReleasesWaitingWorkers() async {
        let queue = WorkQueue<String>()
        async let waiting = queue.next()
        queue.shutDown()
        #expect(await waiting == nil)
        queue.add("ignored")
        #expect(queue.depth == 0)
    }

    @Test func cancellationReleasesAWaitingWorkerAndLeavesTheOthersWaiting() async {
        let queue = WorkQueue<String>()
        let cancelled = Task { await queue.next() }
        let waiting = Task { await queue.next() }
        try? await Task.sleep(for: .milliseconds(50))
        cancelled.cancel()
        #expect(await cancelled.value == nil)
        queue.add("a")
        #expect(await waiting.value == "a")
    }

    @Test func shutDownHandsOutNothingMoreEvenWithKeysQueued() async {
        let queue = WorkQueue<String>()
        queue.add("a")
        queue.add("b")
        #expect(await queue.next() == "a")
        queue.shutDown()
        #expect(await queue.next() == nil)
    }
}

struct WorkQueueExpediteTests {
    @Test func delayedKeysCanBeQueuedAtOnce() async {
        let queue = WorkQueue<String>()
        queue.add("later", after: .seconds(3600))
        #expect(queue.depth == 0)
        queue.expediteDelayed()
        #expect(await queue.next() == "later")
    }
}
