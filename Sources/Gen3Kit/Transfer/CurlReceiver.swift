/// Takes what curl receives for one request. Returning false from `receiveBody` aborts the transfer
/// (curl then reports CURLE_WRITE_ERROR).
package protocol CurlReceiver: AnyObject {
    func receiveHeader(_ line: UnsafeRawBufferPointer)
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool
}
