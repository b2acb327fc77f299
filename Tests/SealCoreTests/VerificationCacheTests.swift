import Foundation
import Testing
@testable import SealCore

/// The path cache may only ever answer "valid" for exactly the bytes it validated, inside the
/// window where every certificate of the chain is valid.
@Suite struct VerificationCacheTests {
    @Test func cachedPathsStillFailOutsideTheirWindowAndForOtherBytes() throws {
        let authority = try TestAuthority()
        let (_, leaf) = try authority.department()
        let anchors = TrustAnchors(roots: [authority.root])
        let cache = VerificationCache()
        #expect(anchors.validatePath(leaf: leaf, untrusted: [], at: authority.now, cache: cache) == .valid)
        // Now cached: the same path at another valid time is valid, and outside the leaf's
        // validity it is refused as before.
        #expect(anchors.validatePath(leaf: leaf, untrusted: [], at: authority.now.adding(days: 30), cache: cache) == .valid)
        if case .invalid(let code, _, _) = anchors.validatePath(leaf: leaf, untrusted: [], at: authority.now.adding(days: 400), cache: cache) {
            #expect(code == 10)  // X509_V_ERR_CERT_HAS_EXPIRED
        } else {
            Issue.record("an expired certificate passed through the cache")
        }
        #expect(anchors.validatePath(leaf: leaf, untrusted: [], at: authority.now.adding(days: -2), cache: cache) != .valid)

        // A certificate with the same subject under another root, and the same leaf against
        // other anchors, are other keys.
        let impostor = try TestAuthority()
        let (_, lookalike) = try impostor.department()
        #expect(lookalike.subject == leaf.subject)
        #expect(anchors.validatePath(leaf: lookalike, untrusted: [], at: authority.now, cache: cache) != .valid)
        #expect(TrustAnchors(roots: [impostor.root]).validatePath(leaf: leaf, untrusted: [], at: authority.now, cache: cache) != .valid)
        // A purpose the leaf does not have is not answered from the "any purpose" entry.
        #expect(anchors.validatePath(leaf: leaf, untrusted: [], at: authority.now, purpose: 9, cache: cache) != .valid)  // X509_PURPOSE_TIMESTAMP_SIGN
    }

    @Test func sealsVerifyTheSameWithAWarmCache() throws {
        let authority = try TestAuthority()
        let document = Array("cached".utf8)
        let seal = try authority.signer().seal(document)
        let first = authority.verifier.verify(seal: seal.der, document: document)
        let second = authority.verifier.verify(seal: seal.der, document: document)
        #expect(first.indication == .totalPassed)
        #expect(first.checks == second.checks)
        var tampered = document
        tampered[0] ^= 1
        #expect(authority.verifier.verify(seal: seal.der, document: tampered).subIndication == .hashFailure)
    }

    /// Each verifier owns its caches: what one verifier validated is not known to another, and a
    /// verifier given a cache shares exactly that one.
    @Test func cachesBelongToTheirVerifier() throws {
        let authority = try TestAuthority()
        let document = Array("owned".utf8)
        let seal = try authority.signer().seal(document)
        let first = SealVerifier(trust: TrustAnchors(roots: [authority.root]), clock: { authority.now })
        let second = SealVerifier(trust: TrustAnchors(roots: [authority.root]), clock: { authority.now })
        #expect(first.cache !== second.cache)
        #expect(first.verify(seal: seal.der, document: document).indication == .totalPassed)
        #expect(first.cache.paths.count == 2)  // the seal's path and the time-stamp's
        #expect(first.cache.bindings.count == 2)
        #expect(second.cache.paths.count == 0 && second.cache.bindings.count == 0)
        let sharing = SealVerifier(trust: TrustAnchors(roots: [authority.root]), clock: { authority.now }, cache: first.cache)
        #expect(sharing.cache === first.cache)
    }
}
