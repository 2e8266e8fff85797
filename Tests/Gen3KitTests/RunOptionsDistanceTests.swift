import XCTest

@testable import Gen3Kit

final class RunOptionsDistanceTests: XCTestCase {
    func testADistantCommonsGetsTheDistantTransfersOnlyWhenTheUserChoseNone() {
        var chosenByDefault = RunOptions()
        chosenByDefault.distantMaxConcurrentRequests = 256
        let far = chosenByDefault.sized(byAnswerWait: 0.040)
        XCTAssertEqual(far.maxConcurrentRequests, 256)
        XCTAssertNil(far.distantMaxConcurrentRequests, "workers would size it again")
        XCTAssertEqual(chosenByDefault.sized(byAnswerWait: 0.002).maxConcurrentRequests, 128, "loopback")
        XCTAssertEqual(chosenByDefault.sized(byAnswerWait: nil).maxConcurrentRequests, 128, "not measured")

        var chosenByUser = RunOptions()
        chosenByUser.maxConcurrentRequests = 32
        XCTAssertEqual(chosenByUser.sized(byAnswerWait: 0.040).maxConcurrentRequests, 32)

        var fewFiles = chosenByDefault
        fewFiles.distantMaxConcurrentRequests = 100 // the open-file limit fits no more
        XCTAssertEqual(fewFiles.sized(byAnswerWait: 0.040).maxConcurrentRequests, 128, "never fewer than the near default")
    }
}
