extension DHCPKafkaMessage {
    /// The largest frame the format can express: type, name length, a 255-byte name, two timestamps
    /// and two 65,535-byte messages with their lengths (131,347 bytes). Readers bound their input by it.
    public static let maximumFrameSize = 1 + 1 + 255 + 8 + 2 + 65_535 + 8 + 2 + 65_535
}
