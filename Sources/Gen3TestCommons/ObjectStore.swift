import Crypto
import NIOConcurrencyHelpers

/// The objects a commons serves: generated ones (content on the fly) and ones added by tests.
final class ObjectStore: @unchecked Sendable {
    private let lock = NIOLock()
    private var objects: [TestObject] = []
    private var byGUID: [String: Int] = [:]
    private var explicit: [Int: [UInt8]] = [:]
    let generator: ContentGenerator

    init(configuration: TestCommonsConfiguration) {
        generator = ContentGenerator(seed: configuration.seed)
        for index in 0..<configuration.objectCount {
            let size = generator.size(index: index, minimum: configuration.minSize, maximum: configuration.maxSize)
            var hasher = Insecure.MD5()
            var offset = 0
            while offset < size {
                let count = min(1 << 20, size - offset)
                hasher.update(data: generator.bytes(index: index, offset: offset, count: count))
                offset += count
            }
            append(TestObject(index: index, guid: generator.guid(index: index), fileName: "file-\(index).bin", size: size,
                              md5: hex(hasher.finalize())))
        }
    }

    var all: [TestObject] { lock.withLock { objects } }

    func object(guid: String) -> TestObject? { lock.withLock { byGUID[guid].map { objects[$0] } } }

    func object(index: Int) -> TestObject? { lock.withLock { objects.indices.contains(index) ? objects[index] : nil } }

    func add(guid: String, fileName: String, content: [UInt8]) -> TestObject {
        lock.withLock {
            let object = TestObject(index: objects.count, guid: guid, fileName: fileName, size: content.count,
                                    md5: hex(Insecure.MD5.hash(data: content)))
            explicit[object.index] = content
            objects.append(object)
            byGUID[guid] = object.index
            return object
        }
    }

    /// Bytes `offset..<offset+count` of an object.
    func bytes(_ object: TestObject, offset: Int, count: Int) -> [UInt8] {
        if let content = lock.withLock({ explicit[object.index] }) {
            return Array(content[offset..<min(content.count, offset + count)])
        }
        return generator.bytes(index: object.index, offset: offset, count: count)
    }

    private func append(_ object: TestObject) {
        objects.append(object)
        byGUID[object.guid] = object.index
    }
}

func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
    digest.map { String($0, radix: 16).leftPadded(2) }.joined()
}
