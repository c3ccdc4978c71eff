import Crypto
import Foundation
import Hummingbird
import LeadCore
import Synchronization

/// API tokens: `lcrm_<id>_<secret>`. The id (64 random bits, hex) finds the token; the secret (256 random bits,
/// base64url) proves it. Only the secret's SHA-256 is stored, and it is compared in constant time.
public enum APIToken {
    static let prefix = "lcrm_"

    /// Makes a token for `user`, stores its digest, and returns the token — the only time it exists in full.
    public static func issue(for user: User, in crm: any CRMStore) async throws -> (token: String, id: String) {
        var generator = SystemRandomNumberGenerator()
        let id = (0..<8).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
        let secretBytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let secret = Data(secretBytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        try await crm.addToken(id: id, userID: user.id, secretDigest: self.digest(secret))
        return ("\(self.prefix)\(id)_\(secret)", id)
    }

    /// The id and secret of a token's text, or `nil` when it does not have a token's shape.
    static func parse(_ text: some StringProtocol) -> (id: String, secret: String)? {
        guard text.hasPrefix(self.prefix) else { return nil }
        let rest = text.dropFirst(self.prefix.count)
        guard let separator = rest.firstIndex(of: "_") else { return nil }
        let id = rest[..<separator]
        let secret = rest[rest.index(after: separator)...]
        guard id.count == 16, id.allSatisfy(\.isHexDigit), secret.count == 43 else { return nil }
        return (String(id), String(secret))
    }

    /// The id a token's text names: the id part of a whole token, else the text itself.
    public static func id(of text: String) -> String {
        self.parse(text)?.id ?? text
    }

    static func digest(_ secret: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(secret.utf8)))
    }

    /// The user a token belongs to, when it is a live token of theirs.
    static func verify(_ text: some StringProtocol, in crm: any CRMStore) async throws -> User? {
        guard let (id, secret) = self.parse(text), let stored = try await crm.token(id: id), stored.revokedAt == nil else { return nil }
        return self.constantTimeEqual(self.digest(secret), stored.secretDigest) ? stored.user : nil
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices {
            difference |= a[index] ^ b[index]
        }
        return difference == 0
    }
}

/// Token checks for intake (`INTAKE_AUTH=required`), which must keep taking leads while the database is away: a
/// token seen valid is trusted for `freshFor` without asking the database again, and for as long as the database
/// stays unreachable. A revoked token stops working within `freshFor`.
final class IntakeTokenCache: Sendable {
    private struct Entry {
        var digest: [UInt8]
        var user: User
        var checkedAt: ContinuousClock.Instant
    }

    let crm: any CRMStore
    let freshFor: Duration
    static let maximumEntries = 10_000
    private let entries = Mutex<[String: Entry]>([:])

    init(crm: any CRMStore, freshFor: Duration = .seconds(30)) {
        self.crm = crm
        self.freshFor = freshFor
    }

    /// The user of the request's bearer token; throws `unauthorized`, or `unavailable` when the database cannot
    /// say and the token was never seen.
    func authenticate(_ request: Request) async throws -> User {
        guard let text = CRMController.bearerToken(request), let (id, secret) = APIToken.parse(text) else {
            throw CRMController.unauthorized
        }
        let digest = APIToken.digest(secret)
        let cached = self.entries.withLock { $0[id] }.flatMap { APIToken.constantTimeEqual($0.digest, digest) ? $0 : nil }
        if let cached, ContinuousClock.now - cached.checkedAt < self.freshFor { return cached.user }
        let stored: StoredToken?
        do {
            stored = try await self.crm.token(id: id)
        } catch LeadStoreError.unavailable(let reason) {
            if let cached { return cached.user }
            throw LeadStoreError.unavailable(reason)
        }
        guard let stored, stored.revokedAt == nil, APIToken.constantTimeEqual(digest, stored.secretDigest) else {
            self.entries.withLock { _ = $0.removeValue(forKey: id) }
            throw CRMController.unauthorized
        }
        self.entries.withLock { entries in
            if entries.count >= Self.maximumEntries { entries.removeAll() }
            entries[id] = Entry(digest: digest, user: stored.user, checkedAt: .now)
        }
        return stored.user
    }
}
