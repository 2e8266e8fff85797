/// The GA4GH DRS side of a file's requests: its metadata from the commons' DRS route (with
/// indexd's record when that route does not know the id), and its URL from the DRS access route on
/// a commons without Fence's download route.
extension JobExecutor {
    /// The DRS object of a file whose manifest lacked metadata.
    func handleDRSObject(_ task: FileTask, easy: CurlEasy, code: Int32) -> Step {
        guard let (answer, body) = apiAnswer(task, easy: easy, code: code) else { return fail(task, "internal: wrong receiver") }
        if answer.curlError == nil, !answer.oversized, [404, 405, 501].contains(answer.status) {
            // An older commons' indexd knows ids its DRS route does not: ask it once.
            task.phase = .indexRecord
            let requests = task.session.requests
            return make(task, "GET \(requests.endpoint)/index/\(task.objectID)") { try requests.indexRecord(guid: task.objectID).0 }
        }
        if let step = conclude(task, AttemptPolicy.indexd(answer), status: answer.status) { return step }
        guard let object = DRSObject.parse(body) else {
            return conclude(task, AttemptPolicy.unreadableRecord, status: answer.status) ?? fail(task, "internal: no verdict")
        }
        task.drs = object
        return resolve(task, record: object.record)
    }

    /// A URL from the DRS access route, asking for the object's access methods first if needed.
    func presignViaDRS(_ task: FileTask) -> Step {
        let requests = task.session.requests
        guard let object = task.drs else {
            task.phase = .accessMethods
            return make(task, "GET \(requests.endpoint)\(DRSPaths.objects)\(task.objectID)") { try requests.drsObject(id: task.objectID).0 }
        }
        if let accessID = object.accessIDs.first {
            task.phase = .access
            return withToken(task) { token in
                make(task, "GET \(requests.endpoint)\(DRSPaths.objects)\(task.objectID)/access/\(accessID)") {
                    try requests.drsAccess(id: task.objectID, accessID: accessID, token: token).0
                }
            }
        }
        if let url = object.directURL { return startDownload(task, url: url) }
        return fail(task, "\(task.session.endpoint) gives no way to fetch \(task.objectID): its DRS object has no access method")
    }

    func handleAccessMethods(_ task: FileTask, easy: CurlEasy, code: Int32) -> Step {
        guard let (answer, body) = apiAnswer(task, easy: easy, code: code) else { return fail(task, "internal: wrong receiver") }
        if let step = conclude(task, AttemptPolicy.indexd(answer), status: answer.status) { return step }
        guard let object = DRSObject.parse(body) else {
            return conclude(task, AttemptPolicy.unreadableRecord, status: answer.status) ?? fail(task, "internal: no verdict")
        }
        task.drs = object
        return presignViaDRS(task)
    }

    /// The DRS access route's `{"url"}`: the same answers mean the same as Fence's.
    func handleAccess(_ task: FileTask, easy: CurlEasy, code: Int32) -> Step {
        guard let (answer, body) = apiAnswer(task, easy: easy, code: code) else { return fail(task, "internal: wrong receiver") }
        if let step = conclude(task, AttemptPolicy.fence(answer, refreshedToken: task.refreshedToken), status: answer.status) {
            return step
        }
        guard let url = CommonsRequests.presignedURL(from: body) else {
            return conclude(task, AttemptPolicy.fenceWithoutURL, status: answer.status) ?? fail(task, "internal: no verdict")
        }
        return startDownload(task, url: url)
    }

    /// An API request's answer and body.
    private func apiAnswer(_ task: FileTask, easy: CurlEasy, code: Int32) -> (Answer, [UInt8])? {
        guard let receiver = easy.receiver as? MemoryReceiver else { return nil }
        let answer = Answer(
            curlError: easy.error(for: code), status: receiver.head.status, retryAfter: receiver.head.retryAfter,
            snippet: scrubbed(receiver.bodySnippet(maxLength: 300), task), oversized: receiver.exceededLimit)
        return (answer, receiver.body)
    }
}

/// Fence's download route as a commons without it answers.
enum FenceRoute {
    /// 405, or a 404 that is not JSON: Fence's own refusals (an unknown GUID) are JSON documents; a
    /// server without the route answers its web server's page.
    static func isMissing(status: Int, body: [UInt8]) -> Bool {
        if status == 405 { return true }
        guard status == 404 else { return false }
        return body.first { $0 != 0x20 && $0 != 0x0a && $0 != 0x0d && $0 != 0x09 } != UInt8(ascii: "{")
    }
}
