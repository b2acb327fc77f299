import Foundation
import Testing
import SealTestSupport

/// A clone of the repository is all a user has: nothing the project runs may read outside it, and
/// every externally authored vector it carries keeps its sources and licence beside it.
@Suite struct RepositoryTests {
    /// The project's own files: code, tests, scripts, CI and the vector generator.
    static let checkedFolders = ["Sources", "Tests", "Scripts", "Tools", "Fuzz", ".ci", "Vectors"]

    static func files(under folder: String) -> [URL] {
        let root = TestSupport.repository.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        return walker.compactMap { $0 as? URL }.filter {
            (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
                && !$0.path.contains("/Vectors/external/")
        }
    }

    @Test func nothingReadsBesideTheRepository() throws {
        // Spelled in two parts so that this file does not match itself.
        let patterns = [".." + "/shared", "SEAL_SHARED" + "_VECTORS"]
        var offenders: [String] = []
        for folder in Self.checkedFolders {
            for file in Self.files(under: folder) {
                guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
                if patterns.contains(where: text.contains) { offenders.append(file.path) }
            }
        }
        let manifest = try String(contentsOf: TestSupport.repository.appendingPathComponent("Package.swift"), encoding: .utf8)
        if patterns.contains(where: manifest.contains) { offenders.append("Package.swift") }
        #expect(offenders.isEmpty, "\(offenders)")
        // The files checked really were read: the walk found this very test.
        #expect(Self.files(under: "Tests").contains { $0.lastPathComponent == "RepositoryTests.swift" })
    }

    @Test func everyExternalVectorFolderNamesItsSourcesAndLicences() throws {
        let external = ExternalVectors.folder
        let folders = try FileManager.default.contentsOfDirectory(atPath: external.path)
            .filter { $0 != "LICENSES" && !$0.hasPrefix(".") }
            .filter { var isFolder: ObjCBool = false; return FileManager.default.fileExists(atPath: external.appendingPathComponent($0).path, isDirectory: &isFolder) && isFolder.boolValue }
        #expect(folders.count >= 4, "\(folders)")
        for folder in folders {
            let sources = external.appendingPathComponent(folder).appendingPathComponent("SOURCES.md")
            let text = try String(contentsOf: sources, encoding: .utf8)
            // Every licence file a SOURCES.md points at is in the repository too.
            let regex = /(\.\.\/LICENSES\/[A-Za-z0-9._-]+|`LICENSE`)/
            let named = text.matches(of: regex).map { String($0.output.1) }
            #expect(!named.isEmpty || text.localizedCaseInsensitiveContains("license"), "\(folder): no licence named")
            for path in named {
                let relative = path == "`LICENSE`" ? "LICENSE" : path
                let licence = external.appendingPathComponent(folder).appendingPathComponent(relative).standardizedFileURL
                #expect(FileManager.default.fileExists(atPath: licence.path), "\(folder) names \(path), which is missing")
            }
        }
    }
}
