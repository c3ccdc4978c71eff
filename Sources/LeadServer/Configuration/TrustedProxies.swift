import Foundation
import Glibc
import LeadCore

/// The proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`: addresses and CIDR ranges, or `loopback` and
/// `private` for the usual ranges). Anyone can send the header, so it is read only when the connection comes from a
/// trusted proxy, and then from the right: the first address that is not a trusted proxy is the client.
public struct TrustedProxies: Sendable, Equatable {
    struct Range: Sendable, Equatable {
        let address: [UInt8]
        let prefixLength: Int

        func contains(_ candidate: [UInt8]) -> Bool {
            var remaining = self.prefixLength
            for index in 0..<16 where remaining > 0 {
                let bits = min(remaining, 8)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                if self.address[index] & mask != candidate[index] & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    let ranges: [Range]

    public static let none = TrustedProxies(ranges: [])

    init(ranges: [Range]) {
        self.ranges = ranges
    }

    static let namedRanges: [String: [String]] = [
        "loopback": ["127.0.0.0/8", "::1/128"],
        "private": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
    ]

    /// Parses `TRUSTED_PROXIES`; returns `nil` for an entry that is not an address, a range or a known name.
    public init?(list: String) {
        var ranges: [Range] = []
        for entry in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            for item in Self.namedRanges[entry.lowercased()] ?? [entry] {
                guard let range = Self.range(item) else { return nil }
                ranges.append(range)
            }
        }
        self.ranges = ranges
    }

    static func range(_ text: String) -> Range? {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let address = Self.parse(parts[0]) else { return nil }
        let isIPv4 = !parts[0].utf8.contains(UInt8(ascii: ":"))
        let maximum = isIPv4 ? 32 : 128
        var prefix = maximum
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...maximum).contains(value) else { return nil }
            prefix = value
        }
        return Range(address: address, prefixLength: isIPv4 ? prefix + 96 : prefix)
    }

    /// 16 bytes for IPv6; IPv4 as an IPv4-mapped IPv6 address, so one comparison serves both.
    static func parse(_ text: String) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: 16)
        // On the bytes: with trusted proxies set this runs for every request, and `String.contains(_:)` with a
        // string goes through Foundation's `range(of:)`.
        if text.utf8.contains(UInt8(ascii: ":")) {
            let parsed = bytes.withUnsafeMutableBytes { inet_pton(AF_INET6, text, $0.baseAddress) }
            return parsed == 1 ? bytes : nil
        }
        var ipv4 = [UInt8](repeating: 0, count: 4)
        guard ipv4.withUnsafeMutableBytes({ inet_pton(AF_INET, text, $0.baseAddress) }) == 1 else { return nil }
        bytes[10] = 0xFF
        bytes[11] = 0xFF
        bytes.replaceSubrange(12..<16, with: ipv4)
        return bytes
    }

    /// With no trusted proxies (the default) nothing is, and the address is not even parsed.
    func isTrusted(_ address: String) -> Bool {
        guard !self.ranges.isEmpty, let bytes = Self.parse(address) else { return false }
        return self.ranges.contains { $0.contains(bytes) }
    }

    /// The client's address: the peer, or when the peer is a trusted proxy, the rightmost untrusted hop of
    /// `X-Forwarded-For`.
    public func clientAddress(peer: String?, forwardedFor: String?) -> String? {
        guard let peer, self.isTrusted(peer), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { String($0).trimmingBlanks() }.filter { !$0.isEmpty }
        for hop in hops.reversed() where !self.isTrusted(hop) {
            return hop
        }
        return hops.first ?? peer
    }
}
