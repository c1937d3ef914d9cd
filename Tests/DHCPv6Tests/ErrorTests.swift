import DHCPKafkaTestSupport
import DHCPv6
import Testing

/// Framing errors name the field and the absolute byte offset.
@Suite struct ErrorTests {
    func expectError(
        _ hex: String, field: String, offset: Int, reason: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = parseError(hex)
        #expect(error == DHCPv6Error(field: field, offset: offset, reason: reason), sourceLocation: sourceLocation)
        // The same bytes inside a larger buffer report offsets shifted by the junk in front.
        let inner = hexBytes(hex)
        let shifted = parseError("eeeeeee" + "e" + hex + "ffff", offset: 4, length: inner.count)
        #expect(shifted == DHCPv6Error(field: field, offset: offset + 4, reason: reason), sourceLocation: sourceLocation)
    }

    @Test func headers() {
        expectError("", field: "msg-type", offset: 0, reason: "needs 1 byte, 0 left")
        expectError("01 1234", field: "transaction-id", offset: 1, reason: "needs 3 bytes, 2 left")
        expectError("0c 00 20010db800000000", field: "relay-forw.link-address", offset: 2, reason: "needs 16 bytes, 8 left")
        expectError(
            "0d 00 20010db8000000000000000000000001 fe80", field: "relay-repl.peer-address", offset: 18,
            reason: "needs 16 bytes, 2 left")
    }

    @Test func optionFraming() {
        expectError("01 123456 00", field: "option-code", offset: 4, reason: "needs 2 bytes, 1 left")
        expectError("01 123456 0001 00", field: "option-len", offset: 6, reason: "needs 2 bytes, 1 left")
        expectError(
            "01 123456 0001 000a 0003", field: "option 1 (client-id).option-len", offset: 6,
            reason: "length 10 runs past the end: 2 bytes left")
        expectError("01 123456 0003 0006 00000001 0000", field: "option 3 (ia-na).t1", offset: 12, reason: "needs 4 bytes, 2 left")
        expectError("01 123456 0007 0002 0000", field: "option 7 (preference).option-len", offset: 6, reason: "must be 1, got 2")
        expectError("01 123456 0006 0003 000100", field: "option 6 (oro).option-len", offset: 6, reason: "must be even, got 3")
        expectError("01 123456 0017 0004 20010db8", field: "option 23 (dns-servers).option-len", offset: 6, reason: "must be a multiple of 16, got 4")
        expectError("01 123456 000b 0003 030100", field: "option 11 (auth).option-len", offset: 6, reason: "must be at least 11, got 3")
        expectError("01 123456 000e 0001 00", field: "option 14 (rapid-commit).option-len", offset: 6, reason: "must be 0, got 1")
        expectError(
            "01 123456 000f 0004 0003 6162", field: "option 15 (user-class).user-class-data-len", offset: 8,
            reason: "length 3 runs past the end: 2 bytes left")
    }

    @Test func duidErrors() {
        expectError("01 123456 0001 0000", field: "option 1 (client-id).duid-type", offset: 8, reason: "needs 2 bytes, 0 left")
        expectError(
            "01 123456 0002 0006 0001 0001 0000", field: "option 2 (server-id).duid-llt.time", offset: 12,
            reason: "needs 4 bytes, 2 left")
        expectError(
            "01 123456 0001 0011 0004 00112233445566778899aabbccddee", field: "option 1 (client-id).duid-uuid.uuid",
            offset: 10, reason: "must be 16 bytes, got 15")
        #expect(throws: DHCPv6Error(field: "duid-ll.hardware-type", offset: 2, reason: "needs 2 bytes, 1 left")) {
            try DUID.parse([0, 3, 1])
        }
    }

    @Test func domainNames() {
        expectError(
            "01 123456 0018 0004 03 616263", field: "option 24 (domain-list).name", offset: 8,
            reason: "unterminated: no zero-length label before the end")
        expectError(
            "01 123456 0018 0003 c0 0c 00", field: "option 24 (domain-list).label-len", offset: 8,
            reason: "192 is over 63 (compression pointers are not allowed)")
        expectError(
            "01 123456 0038 0006 0003 0002 01 61", field: "option 56 (ntp-server).suboption 3.name", offset: 12,
            reason: "unterminated: no zero-length label before the end")
        expectError(
            "01 123456 0038 0005 0001 0001 00", field: "option 56 (ntp-server).suboption 1.suboption-len", offset: 10,
            reason: "must be 16, got 1")
    }

    @Test func nestedOptions() {
        expectError(
            "01 123456 0019 0029 00000001 00000e10 00001518 001a 0019 00001c20 00002a30 81 20010db8010000000000000000000000",
            field: "option 25 (ia-pd).option 26 (iaprefix).prefix-length", offset: 32, reason: "129 is over 128")
        expectError(
            "01 123456 0003 0029 00000001 00000e10 00001518 0005 0019 20010db8000000000000000000000005 00001c20 00002a30 0d",
            field: "option 3 (ia-na).option 5 (iaaddr).option-code", offset: 48, reason: "needs 2 bytes, 1 left")
        expectError(
            "01 123456 0003 002d 00000001 00000e10 00001518 0005 001d 20010db8000000000000000000000005 00001c20 00002a30 000d 0001 00",
            field: "option 3 (ia-na).option 5 (iaaddr).option 13 (status-code).status-code", offset: 52,
            reason: "needs 2 bytes, 1 left")
        // A client message inside a relay: offsets stay absolute.
        expectError(
            "0c 00 00000000000000000000000000000000 00000000000000000000000000000000 0009 0008 01 123456 0007 0000",
            field: "option 9 (relay-msg).option 7 (preference).option-len", offset: 44, reason: "must be 1, got 0")
        expectError(
            "0c 00 00000000000000000000000000000000 00000000000000000000000000000000 0009 0000",
            field: "option 9 (relay-msg).msg-type", offset: 38, reason: "needs 1 byte, 0 left")
    }

    @Test func badRangeArguments() {
        #expect(parseError("0102", offset: 3)?.field == "input")
        #expect(parseError("0102", offset: 1, length: 2)?.field == "input")
        #expect(parseError("0102", offset: -1)?.field == "input")
        #expect(parseError("0102", offset: 2, length: 0)?.field == "msg-type")
        #expect(parseError("01 123456", offset: 0, length: Int.max)?.field == "input")
    }

    @Test func description() {
        let e = DHCPv6Error(field: "option 3 (ia-na).t1", offset: 12, reason: "needs 4 bytes, 2 left")
        #expect(e.description == "option 3 (ia-na).t1 at byte 12: needs 4 bytes, 2 left")
    }
}
