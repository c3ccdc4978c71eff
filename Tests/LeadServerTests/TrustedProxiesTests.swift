import LeadServer
import Testing

/// `TRUSTED_PROXIES`: whose `X-Forwarded-For` is believed, and which hop of it is the client (README, Operations →
/// Client addresses).
@Suite("Trusted proxies")
struct TrustedProxiesTests {
    @Test("with none trusted (the default), the client is the peer, whatever X-Forwarded-For says")
    func noneTrusted() {
        #expect(TrustedProxies.none.clientAddress(peer: "127.0.0.1", forwardedFor: "203.0.113.7") == "127.0.0.1")
        #expect(TrustedProxies.none.clientAddress(peer: nil, forwardedFor: "203.0.113.7") == nil)
    }

    @Test("a trusted peer's X-Forwarded-For is read from the right, up to the first hop that is not a trusted proxy")
    func rightmostUntrustedHop() throws {
        let proxies = try #require(TrustedProxies(list: "loopback, 10.0.0.0/8"))
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: "198.51.100.1, 203.0.113.7, 10.1.2.3") == "203.0.113.7")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: " 203.0.113.7 ") == "203.0.113.7")
        // Every hop a trusted proxy: the leftmost is the nearest thing to a client there is.
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: "10.0.0.1, 10.0.0.2") == "10.0.0.1")
        // No header, or an empty one: the peer.
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: nil) == "127.0.0.1")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: " , ") == "127.0.0.1")
    }

    @Test("an untrusted peer's X-Forwarded-For is ignored: anyone can send the header")
    func untrustedPeer() throws {
        let proxies = try #require(TrustedProxies(list: "10.0.0.0/8"))
        #expect(proxies.clientAddress(peer: "192.0.2.10", forwardedFor: "203.0.113.7") == "192.0.2.10")
        #expect(proxies.clientAddress(peer: "11.0.0.1", forwardedFor: "203.0.113.7") == "11.0.0.1")
    }

    @Test("single addresses, CIDR ranges and IPv6; `private` covers the private ranges")
    func addressesAndRanges() throws {
        let single = try #require(TrustedProxies(list: "192.0.2.1"))
        #expect(single.clientAddress(peer: "192.0.2.1", forwardedFor: "203.0.113.7") == "203.0.113.7")
        #expect(single.clientAddress(peer: "192.0.2.2", forwardedFor: "203.0.113.7") == "192.0.2.2")

        let ipv6 = try #require(TrustedProxies(list: "2001:db8::/32"))
        #expect(ipv6.clientAddress(peer: "2001:db8::5", forwardedFor: "2001:db9::1") == "2001:db9::1")
        #expect(ipv6.clientAddress(peer: "2001:db9::5", forwardedFor: "203.0.113.7") == "2001:db9::5")

        let named = try #require(TrustedProxies(list: "PRIVATE"))
        for peer in ["10.9.8.7", "172.16.0.1", "172.31.255.255", "192.168.1.1", "fd00::1"] {
            #expect(named.clientAddress(peer: peer, forwardedFor: "203.0.113.7") == "203.0.113.7", "\(peer)")
        }
        #expect(named.clientAddress(peer: "172.32.0.1", forwardedFor: "203.0.113.7") == "172.32.0.1")
    }

    @Test("an entry that is not an address, a range or a known name is refused", arguments: ["proxy.example", "10.0.0.0/33", "::1/129", "1.2.3"])
    func refused(entry: String) {
        #expect(TrustedProxies(list: "loopback, \(entry)") == nil)
    }
}
