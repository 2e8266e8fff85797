import NIOHTTP1

/// The storage listener: serves `GET /objects/{index}?expires=…&sig=…` like a bucket behind
/// presigned URLs (signature and expiry checked, S3-style XML errors, single byte ranges), with
/// the storage faults applied.
struct StorageHost: HTTPResponder {
    let state: CommonsState

    func reply(to request: HTTPRequest) -> Reply {
        let rangeHeader = request.header("Range")
        state.recorder.update {
            $0.requests[.storage, default: 0] += 1
            if request.head.headers.contains(name: "Authorization") { $0.authorizationHeadersAtStorage += 1 }
            if rangeHeader != nil { $0.rangeRequests += 1 }
        }
        guard request.method == .GET else {
            return .response(.s3Error(405, code: "MethodNotAllowed", message: "The specified method is not allowed against this resource."))
        }
        guard let indexText = request.pathRemainder(after: "/objects/"), let index = Int(indexText),
            let object = state.store.object(index: index)
        else {
            return .response(.s3Error(404, code: "NoSuchKey", message: "The specified key does not exist."))
        }
        if let start = rangeHeader.flatMap({ ByteRange.requestedStart(header: $0, size: object.size) }) {
            state.recorder.update { $0.rangeStarts[object.guid, default: []].append(start) }
        }
        guard let expires = request.parameters["expires"].flatMap({ Int($0) }),
            request.parameters["sig"] == state.urlSignature(index: index, expires: expires)
        else {
            return .response(
                .s3Error(
                    403, code: "SignatureDoesNotMatch",
                    message: "The request signature we calculated does not match the signature you provided."))
        }
        guard expires > CommonsState.now else {
            return .response(.s3Error(403, code: "AccessDenied", message: "Request has expired"))
        }
        let fault = state.takeFault(.storage, guid: object.guid)
        switch fault {
        case .status(let status, _, let retryAfter)?:
            return .response(.s3Error(status, code: "InjectedFault", message: "injected fault: \(status)", retryAfter: retryAfter))
        case .redirect(let location)?, .apiRedirect(let location, _)?:
            return .response(.redirect(to: location))
        default:
            return body(of: object, rangeHeader: fault == .ignoreRange ? nil : rangeHeader, fault: fault)
        }
    }

    private func body(of object: TestObject, rangeHeader: String?, fault: Fault?) -> Reply {
        var headers = HTTPHeaders([
            ("Content-Type", "application/octet-stream"), ("Accept-Ranges", "bytes"),
            ("ETag", "\"\(object.md5)\""),
        ])
        var status = HTTPResponseStatus.ok
        var range = 0..<object.size
        switch rangeHeader.flatMap({ ByteRange(header: $0, size: object.size) }) {
        case .unsatisfiable?:
            var response = HTTPResponse.s3Error(416, code: "InvalidRange", message: "The requested range is not satisfiable")
            response.headers.add(name: "Content-Range", value: "bytes */\(object.size)")
            return .response(response)
        case .satisfiable(let satisfiable)?:
            range = satisfiable
            status = .partialContent
            headers.add(name: "Content-Range", value: "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(object.size)")
        case nil:
            break
        }
        var length = range.count
        if case .extraBytes(let extra)? = fault { length += max(0, extra) }
        var closeDelimited = false
        if case .closeDelimited = fault { closeDelimited = true } else { headers.add(name: "Content-Length", value: "\(length)") }
        var limit = length
        var ending = BodyPlan.Ending.complete
        var bytesPerSecond: Int?
        switch fault {
        case .resetAfter(let bytes)?: (limit, ending) = (min(length, max(0, bytes)), .reset)
        case .shortBody(let bytes)?: (limit, ending) = (min(length, max(0, bytes)), .close)
        case .closeDelimited(let bytes)?: (limit, ending) = (max(0, bytes), .close)
        case .stall?: (limit, ending) = (0, .hang)
        case .trickle(let rate)?: bytesPerSecond = max(1, rate)
        default: break
        }
        let plan = BodyPlan(
            store: state.store, object: object, offset: range.lowerBound, limit: limit, ending: ending, bytesPerSecond: bytesPerSecond,
            corruptAt: fault == .corrupt && length > 0 ? length / 2 : nil, closeDelimited: closeDelimited)
        return .streamed(HTTPResponseHead(version: .http1_1, status: status, headers: headers), plan)
    }
}
