/// How the storage host sends an object's body: which bytes, how many before it stops, how fast,
/// and how the response ends. The faults are all expressed here.
struct BodyPlan {
    /// What happens after the last byte the plan sends.
    enum Ending {
        /// The body is complete: end the response (and close only if the client asked to).
        case complete
        /// Close cleanly (FIN) before the declared length.
        case close
        /// Close with a TCP reset (RST).
        case reset
        /// Send nothing more and keep the connection open until the client goes away.
        case hang
    }

    /// Where the object's bytes come from.
    let store: ObjectStore
    let object: TestObject
    /// Offset in the object of the first body byte.
    let offset: Int
    /// Body bytes to send before `ending`: the Content-Length, or fewer for a cut-short body.
    let limit: Int
    let ending: Ending
    /// Pace of the body; nil sends as fast as the client reads.
    let bytesPerSecond: Int?
    /// Position in the body of a byte to flip.
    let corruptAt: Int?
    /// The head has no Content-Length and goes out as HTTP/1.0, so the close ends the body.
    var closeDelimited = false
}
