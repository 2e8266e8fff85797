/// Takes what curl receives for one request. Returning false from `receiveBody` aborts the transfer
/// (curl then reports CURLE_WRITE_ERROR).
package protocol CurlReceiver: AnyObject {
    func receiveHeader(_ line: UnsafeRawBufferPointer)
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool
    /// Whether `count` more body bytes may be taken now; false pauses the transfer (`--limit-rate`).
    func mayReceive(_ count: Int) -> Bool
}

extension CurlReceiver {
    package func mayReceive(_ count: Int) -> Bool { true }
}
