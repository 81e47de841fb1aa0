#if canImport(Glibc)
import CProcess

/// Core dumps of the operator, which holds secret values in memory while it reconciles.
enum CoreDumps {
    /// Marks the process not dumpable (`prctl(PR_SET_DUMPABLE, 0)`): a crash writes no core
    /// file, and other processes of the same user cannot attach to it or read its memory.
    /// `KVO_ALLOW_CORE_DUMPS=true` keeps them, for debugging a crash.
    static func disable(environment: [String: String]) -> Bool {
        guard environment["KVO_ALLOW_CORE_DUMPS"] != "true" else { return false }
        return kvo_set_dumpable(0) == 0
    }

    /// Whether the process may dump core now.
    static var enabled: Bool { kvo_get_dumpable() == 1 }
}
#else
enum CoreDumps {
    /// Only Linux's dumpable flag is set.
    static func disable(environment: [String: String]) -> Bool { false }
    static var enabled: Bool { true }
}
#endif
