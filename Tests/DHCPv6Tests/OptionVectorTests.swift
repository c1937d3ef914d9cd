import DHCPKafkaTestSupport
import DHCPv6
import Testing

/// One hand-written byte vector per option type, laid out field by field from the RFCs.
@Suite struct OptionVectorTests {
    let mac = hexBytes("001122334455")

    @Test func duids() throws {
        #expect(try option("0001 000a 0003 0001 001122334455") == .clientID(.ll(hardwareType: 1, linkLayerAddress: mac)))
        #expect(
            try option("0002 000e 0001 0001 12345678 001122334455")
                == .serverID(.llt(hardwareType: 1, time: 0x1234_5678, linkLayerAddress: mac)))
        #expect(
            try option("0002 000a 0002 00000009 0a0b0c0d")
                == .serverID(.en(enterpriseNumber: 9, identifier: [0x0a, 0x0b, 0x0c, 0x0d])))
        let uuid = hexBytes("00112233445566778899aabbccddeeff")
        #expect(try option("0001 0012 0004 00112233445566778899aabbccddeeff") == .clientID(.uuid(uuid)))
        #expect(try option("0001 0004 0005 abcd") == .clientID(.unknown(type: 5, data: [0xab, 0xcd])))
        #expect(try DUID.parse(hexBytes("0003 0001 001122334455")).bytes == hexBytes("0003 0001 001122334455"))
    }

    @Test func identityAssociations() throws {
        let status = DHCPv6Option.statusCode(StatusCode(code: 0, text: "ok"))
        let iaaddr = IAAddress(address: ip("2001:db8::5"), preferredLifetime: 7200, validLifetime: 10800, options: [status])
        #expect(
            try option(
                """
                0003 0030 00000001 00000e10 00001518
                  0005 0020 20010db8000000000000000000000005 00001c20 00002a30
                    000d 0004 0000 6f6b
                """) == .iaNA(IdentityAssociation(iaid: 1, t1: 3600, t2: 5400, options: [.iaAddress(iaaddr)])))
        #expect(try option("0004 0004 00000007") == .iaTA(TemporaryAssociation(iaid: 7)))
        let prefix = IAPrefix(preferredLifetime: 7200, validLifetime: 10800, prefixLength: 56, prefix: ip("2001:db8:100::"))
        #expect(
            try option(
                """
                0019 0029 00000001 00000e10 00001518
                  001a 0019 00001c20 00002a30 38 20010db8010000000000000000000000
                """) == .iaPD(IdentityAssociation(iaid: 1, t1: 3600, t2: 5400, options: [.iaPrefix(prefix)])))
    }

    @Test func simpleFixedOptions() throws {
        #expect(try option("0006 0004 0017 0018") == .optionRequest([23, 24]))
        #expect(try option("0006 0000") == .optionRequest([]))
        #expect(try option("0007 0001 ff") == .preference(255))
        #expect(try option("0008 0002 0064") == .elapsedTime(100))
        #expect(try option("000c 0010 20010db8000000000000000000000001") == .serverUnicast(ip("2001:db8::1")))
        #expect(try option("000e 0000") == .rapidCommit)
        #expect(try option("0013 0001 05") == .reconfigureMessage(5))
        #expect(try option("0014 0000") == .reconfigureAccept)
        #expect(try option("0052 0004 00000e10") == .solMaxRT(3600))
        #expect(try option("0053 0004 00015180") == .infMaxRT(86400))
    }

    @Test func opaqueOptions() throws {
        #expect(try option("000b 000b 03 01 00 0102030405060708") == .authentication(hexBytes("030100 0102030405060708")))
        #expect(try option("0012 0004 65746830") == .interfaceID(Array("eth0".utf8)))
        #expect(try option("0026 0003 616263") == .subscriberID(Array("abc".utf8)))
        #expect(try option("0025 0008 00000009 01020304") == .remoteID(RemoteID(enterpriseNumber: 9, remoteID: [1, 2, 3, 4])))
        #expect(
            try option("004f 0008 0001 001122334455")
                == .clientLinkLayerAddress(ClientLinkLayerAddress(linkLayerType: 1, address: mac)))
        #expect(try option("0063 0002 abcd") == .unknown(code: 99, data: [0xab, 0xcd]))
        #expect(DHCPv6Option.unknown(code: 99, data: []).name == "unknown-99")
    }

    @Test func statusCodeKeepsInvalidUTF8() throws {
        #expect(try option("000d 0009 0002 6e6f2061646472") == .statusCode(StatusCode(code: 2, text: "no addr")))
        let bad = try option("000d 0004 0001 fffe")
        #expect(bad == .statusCode(StatusCode(code: 1, message: [0xff, 0xfe])))
        guard case .statusCode(let s) = bad else { return }
        #expect(s.messageText == "\u{FFFD}\u{FFFD}")
        #expect(s.name == "unspec-fail")
    }

    @Test func classesAndVendorOptions() throws {
        #expect(try option("000f 0008 0002 6162 0002 6364") == .userClass([Array("ab".utf8), Array("cd".utf8)]))
        #expect(
            try option("0010 000a 00000009 0004 61626364")
                == .vendorClass(VendorClass(enterpriseNumber: 9, data: [Array("abcd".utf8)])))
        #expect(
            try option("0011 000b 00000009 0001 0003 616263")
                == .vendorOptions(VendorOptions(enterpriseNumber: 9, options: [VendorOption(code: 1, data: Array("abc".utf8))])))
    }

    @Test func dnsAndNTP() throws {
        #expect(
            try option("0017 0020 20010db8000000000000000000000001 20010db8000000000000000000000002")
                == .dnsServers([ip("2001:db8::1"), ip("2001:db8::2")]))
        let names = try option("0018 0010 07 6578616d706c65 03 636f6d 00 01 61 00")
        #expect(names == .domainList([DomainName("example.com"), DomainName("a.")].compactMap { $0 }))
        #expect(
            try option(
                """
                0038 002a 0001 0010 20010db8000000000000000000000123
                          0003 000d 07 6578616d706c65 03 636f6d 00
                          0009 0001 ff
                """)
                == .ntpServer([
                    .serverAddress(ip("2001:db8::123")), .serverFQDN(DomainName(labels: [Array("example".utf8), Array("com".utf8)])),
                    .unknown(code: 9, data: [0xff]),
                ]))
    }

    @Test func domainNameText() throws {
        #expect(DomainName(labels: [Array("a.b".utf8), [0x00, 0x41]]).description == "a\\.b.\\000A")
        #expect(DomainName(labels: []).description == ".")
        #expect(DomainName(String(repeating: "x", count: 64)) == nil)
    }
}
