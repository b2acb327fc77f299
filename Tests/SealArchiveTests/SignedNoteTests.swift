import Foundation
import Testing
import SealTestSupport
import SealCore
import SealArchive

@Suite struct SignedNoteTests {
    @Test func verifierKeysDeriveFromSeeds() throws {
        let keys = try #require(try ExternalVectors.json("signed-note/signed_note_vectors.json")["ed25519_keys"] as? [[String: Any]])
        #expect(keys.count >= 5)
        for entry in keys {
            let name = try #require(entry["name"] as? String)
            let vkey = try #require(entry["vkey"] as? String)
            #expect(try NoteVerifierKey(vkey).description == vkey)
            guard let seed = (entry["ed25519_seed_hex"] as? String).flatMap({ [UInt8](hex: $0) }) else { continue }
            let derived = try NoteVerifierKey(name: name, publicKey: try Ed25519PrivateKey(seed: seed).publicKey)
            #expect(derived.description == vkey)
            #expect(try NoteVerifierKey(vkey) == derived)
        }
    }

    @Test func notesVerifyAsExpected() throws {
        let notes = try #require(try ExternalVectors.json("signed-note/signed_note_vectors.json")["notes"] as? [[String: Any]])
        #expect(notes.count >= 5)
        for note in notes {
            let keys = try (note["verifier_vkeys"] as? [String] ?? []).map { try NoteVerifierKey($0) }
            let expect = try #require(note["expect"] as? [String: Any])
            let signed = Array(try #require(note["signed_note"] as? String).utf8)
            if expect["result"] as? String == "valid" {
                let verified = try SignedNote.open(signed, verifiers: keys)
                #expect(verified.text == note["text"] as? String)
                #expect(verified.verifiedSigners == expect["verified_signers"] as? [String])
                #expect(verified.unverifiedSigners == (expect["unverified_signers"] as? [String] ?? []))
            } else {
                #expect(throws: SignedNote.NoteError.self, "\(note["desc"] ?? "")") { try SignedNote.open(signed, verifiers: keys) }
            }
        }
    }

    @Test func malformedNotesAreRejected() throws {
        let vectors = try ExternalVectors.json("signed-note/signed_note_vectors.json")
        let notes = try #require(vectors["malformed_notes"] as? [[String: Any]])
        let peter = try NoteVerifierKey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
        #expect(notes.count >= 8)
        for note in notes {
            let bytes = try #require((note["note_hex"] as? String).flatMap { [UInt8](hex: $0) }
                                     ?? (note["note"] as? String).map { Array($0.utf8) })
            #expect(throws: SignedNote.NoteError.self, "\(note["desc"] ?? "")") { try SignedNote.open(bytes, verifiers: [peter]) }
            do {
                _ = try SignedNote.open(bytes, verifiers: [peter])
            } catch {
                guard case .malformed = error else {
                    Issue.record("\(note["desc"] ?? ""): expected malformed, got \(error)")
                    continue
                }
            }
        }
    }

    @Test func invalidVerifierKeysAreRejected() throws {
        let keys = try #require(try ExternalVectors.json("signed-note/signed_note_vectors.json")["invalid_vkeys"] as? [[String: Any]])
        #expect(keys.count >= 8)
        for key in keys {
            let text = try #require(key["vkey"] as? String)
            #expect(throws: NoteVerifierKey.ParseError.self, "\(key["why"] ?? "")") { try NoteVerifierKey(text) }
        }
    }

    @Test func signingReproducesTheSpecExample() throws {
        let notes = try #require(try ExternalVectors.json("signed-note/signed_note_vectors.json")["notes"] as? [[String: Any]])
        let keys = try #require(try ExternalVectors.json("signed-note/signed_note_vectors.json")["ed25519_keys"] as? [[String: Any]])
        let peter = try #require(keys.first { $0["name"] as? String == "PeterNeumann" })
        let signer = try NoteSigner(name: "PeterNeumann",
                                    key: try Ed25519PrivateKey(seed: try #require([UInt8](hex: peter["ed25519_seed_hex"] as? String ?? ""))))
        let first = try #require(notes.first)
        // Ed25519 is deterministic: signing the text again gives the same note.
        #expect(try signer.sign(try #require(first["text"] as? String)) == first["signed_note"] as? String)
        #expect(throws: SignedNote.NoteError.self) { try signer.sign("no final newline") }
    }

    @Test func checkpointsParseAndMarshal() throws {
        let vectors = try ExternalVectors.json("signed-note/checkpoint_vectors.json")
        let parses = try #require(vectors["checkpoint_parse"] as? [[String: Any]])
        #expect(parses.count >= 10)
        for vector in parses {
            let text = try #require(vector["text"] as? String)
            if vector["expect"] as? String == "valid" {
                let checkpoint = try Checkpoint(text: text)
                #expect(checkpoint.origin == vector["origin"] as? String)
                #expect(checkpoint.size == vector["size"] as? Int)
                #expect(checkpoint.text == text)
            } else {
                #expect(throws: Checkpoint.ParseError.self, "\(vector["desc"] ?? "")") { try Checkpoint(text: text) }
            }
        }
        for vector in try #require(vectors["checkpoint_marshal"] as? [[String: Any]]) {
            let checkpoint = Checkpoint(origin: try #require(vector["origin"] as? String), size: try #require(vector["size"] as? Int),
                                        rootHash: try #require((vector["root_hash_hex"] as? String).flatMap { [UInt8](hex: $0) }))
            #expect(checkpoint.text == vector["expected_text"] as? String)
        }
    }

    @Test func signedCheckpointsVerifyAndResign() throws {
        let vectors = try #require(try ExternalVectors.json("signed-note/checkpoint_vectors.json")["signed_checkpoints"] as? [[String: Any]])
        var checked = 0
        for vector in vectors {
            let note = try #require(vector["checkpoint"] as? String)
            let expect = vector["expect"] as? String ?? ""
            guard let vkey = vector["log_vkey"] as? String else {
                // No key published: the checkpoint body still parses.
                let body = String(note[..<(note.range(of: "\n\n")?.lowerBound ?? note.endIndex)]) + "\n"
                #expect(try Checkpoint(text: body).size == vector["size"] as? Int)
                continue
            }
            guard let key = try? NoteVerifierKey(vkey) else {
                // A non-Ed25519 (type 0x02) log key: for this Ed25519-only verifier the signature
                // is from an unknown key, so the note has no verifiable signature.
                #expect(expect.contains("Ed25519-only verifier"))
                #expect(throws: SignedNote.NoteError.self) { try SignedNote.open(Array(note.utf8), verifiers: []) }
                continue
            }
            let origin = vector["expected_origin"] as? String ?? vector["origin"] as? String
            let opened = try SignedCheckpoint(note: note, logKeys: [key], origin: origin)
            checked += 1
            #expect(opened.checkpoint.size == vector["size"] as? Int)
            #expect(throws: SignedCheckpoint.OpenError.self) { try SignedCheckpoint(note: note, logKeys: [key], origin: "another origin") }
            if let root = (vector["root_hash_hex"] as? String).flatMap({ [UInt8](hex: $0) }) { #expect(opened.checkpoint.rootHash == root) }
            if let seed = (vector["ed25519_seed_hex"] as? String).flatMap({ [UInt8](hex: $0) }) {
                let signer = try NoteSigner(name: key.name, key: try Ed25519PrivateKey(seed: seed))
                #expect(try signer.sign(opened.checkpoint.text) == note)
            }
            for mutation in vector["mutations_must_fail"] as? [[String: Any]] ?? [] {
                var mutated = note
                if let text = mutation["note_text"] as? String {
                    mutated = text + String(note[note.range(of: "\n\n")!.lowerBound...].dropFirst())
                } else if let line = mutation["signature_line"] as? String {
                    mutated = String(note[..<note.range(of: "\n\n")!.upperBound]) + line + "\n"
                }
                #expect(throws: SignedCheckpoint.OpenError.self, "\(mutation["desc"] ?? "")") {
                    try SignedCheckpoint(note: mutated, logKeys: [key], origin: origin)
                }
            }
        }
        #expect(checked >= 3)
    }

    @Test func checkpointFromAnotherKeyOrTamperedIsRefused() throws {
        let signer = try NoteSigner(name: "seal.test/log", key: try Ed25519PrivateKey.generate())
        let other = try NoteSigner(name: "seal.test/log", key: try Ed25519PrivateKey.generate())
        let note = try signer.sign(Checkpoint(origin: "seal.test/log", size: 3, rootHash: [UInt8](repeating: 7, count: 32)).text)
        #expect(try SignedCheckpoint(note: note, logKeys: [signer.verifierKey], origin: "seal.test/log").checkpoint.size == 3)
        #expect(throws: SignedCheckpoint.OpenError.note(.noKnownSignature(["seal.test/log+" + String(format: "%08x", signer.verifierKey.keyID)]))) {
            try SignedCheckpoint(note: note, logKeys: [other.verifierKey])
        }
        let forged = note.replacingOccurrences(of: "\n3\n", with: "\n4\n")
        #expect(throws: SignedCheckpoint.OpenError.self) { try SignedCheckpoint(note: forged, logKeys: [signer.verifierKey]) }
        let wrongOrigin = try signer.sign(Checkpoint(origin: "elsewhere", size: 3, rootHash: [UInt8](repeating: 7, count: 32)).text)
        #expect(throws: SignedCheckpoint.OpenError.wrongOrigin(expected: "seal.test/log", found: "elsewhere")) {
            try SignedCheckpoint(note: wrongOrigin, logKeys: [signer.verifierKey], origin: "seal.test/log")
        }
    }
}
