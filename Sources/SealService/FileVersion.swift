import Foundation
#if canImport(Glibc)
import Glibc
#endif
// glibc's struct stat reaches Swift through Dispatch's C module on Linux.
#if canImport(CDispatch)
import CDispatch
#endif

/// What identifies one version of a file (`access.conf`): a replaced file (a rename over it) has another
/// inode, and an edit in place moves the change time, which nanosecond timestamps make exact.
struct FileVersion: Equatable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modified: [Int]
    let changed: [Int]

    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        modified = [status.st_mtim.tv_sec, status.st_mtim.tv_nsec]
        changed = [status.st_ctim.tv_sec, status.st_ctim.tv_nsec]
    }
}
