internal import CSealShim

/// How Seal's programs (seald, seal, seal-bench) set glibc's allocator up, once, first thing.
///
/// A seal of a PDF or an OFD allocates buffers of a few hundred KiB (the document and its new
/// revision or package). Above glibc's default threshold (128 KiB) each came from fresh `mmap`
/// pages, and the threads' heaps were trimmed back to the system as soon as they freed them, so
/// every seal faulted in and zeroed its memory again: `seal-bench profile pdf-seals` took about 63
/// page faults per seal, and went from 953 to 1,592 seals per second without them (OFD: 164 to
/// 183). Blocks under 32 MiB now come from the heap, and a heap keeps up to 64 MiB free at its
/// top; larger documents are still mapped, and returned, on their own.
///
/// 32 MiB is the most glibc's own adaptive threshold reaches (it rises to each mapped block
/// freed), which any `mallopt` turns off. A first setting of 4 MiB mapped and zeroed every
/// buffer of a 19 MiB PDF afresh: `seal-bench pdf` sealed 31–33 of them a second against 56–57
/// with glibc's default or with 32 MiB, which also halved the peak memory sealing one adds.
public enum AllocatorTuning {
    public static func apply() {
        #if os(Linux)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 64 << 20)
        #endif
    }
}
