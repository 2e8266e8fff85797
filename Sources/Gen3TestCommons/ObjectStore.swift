import Digest
import Dispatch
import NIOConcurrencyHelpers
import NIOCore

/// The objects a commons serves: generated ones, whose content comes from a ``ContentGenerator``
/// on demand, and ones tests add, whose content is held in memory. Thread-safe.
final class ObjectStore: Sendable {
    private struct Added {
        var objects: [TestObject] = []
        var contents: [Int: [UInt8]] = [:]
        var byGUID: [String: Int] = [:]
    }

    let generator: ContentGenerator
    /// The prefix a bare UUID is looked up under.
    let prefix: String
    private let generated: [TestObject]
    private let generatedByGUID: [String: Int]
    private let added = NIOLockedValueBox(Added())

    /// Generates the configured objects and their md5s, streaming each object's content through the
    /// hash (one object per core at a time), so start-up time grows with the total size.
    init(configuration: TestCommonsConfiguration) {
        let generator = ContentGenerator(seed: configuration.seed)
        let count = configuration.objectCount
        let firstEmpty = count - configuration.emptyObjectCount
        let sizes = (0..<count).map { index in
            index >= firstEmpty ? 0 : generator.size(index: index, minimum: configuration.minSize, maximum: configuration.maxSize)
        }
        // Unchecked: each iteration writes its own element, and all are read after they finish.
        nonisolated(unsafe) let md5s = UnsafeMutableBufferPointer<String>.allocate(capacity: count)
        md5s.initialize(repeating: "")
        defer {
            _ = md5s.deinitialize()
            md5s.deallocate()
        }
        DispatchQueue.concurrentPerform(iterations: count) { index in
            md5s[index] = Self.md5(generator, index: index, size: sizes[index])
        }
        generated = (0..<count).map { index in
            TestObject(
                index: index, guid: generator.guid(index: index, prefix: configuration.guidPrefix), fileName: "file-\(index).bin",
                size: sizes[index],
                md5: md5s[index])
        }
        generatedByGUID = Dictionary(generated.map { ($0.guid, $0.index) }, uniquingKeysWith: { first, _ in first })
        self.generator = generator
        prefix = configuration.guidPrefix
    }

    private static func md5(_ generator: ContentGenerator, index: Int, size: Int) -> String {
        let hasher = MD5()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: min(size, 1 << 20), alignment: 8)
        defer { buffer.deallocate() }
        var offset = 0
        while offset < size {
            let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(buffer.count, size - offset)])
            generator.fill(slice, index: index, offset: offset)
            hasher.update(UnsafeRawBufferPointer(slice))
            offset += slice.count
        }
        return hasher.finalize()
    }

    /// Every object, generated first, then added ones in the order they were added.
    var all: [TestObject] { generated + added.withLockedValue { $0.objects } }

    /// The object known by `guid`; an added object shadows a generated one with the same GUID.
    func object(guid: String) -> TestObject? {
        if let found = added.withLockedValue({ state in state.byGUID[guid].map { state.objects[$0 - generated.count] } }) {
            return found
        }
        return generatedByGUID[guid].map { generated[$0] }
    }

    /// The object a DRS id names, as indexd resolves it: the exact GUID (`dg.TEST/<uuid>`), or a
    /// bare UUID (no `/`) under this commons' prefix. Anything else, a trailing `/` included, is
    /// unknown.
    func object(did: String) -> TestObject? {
        if let object = object(guid: did) { return object }
        guard !did.isEmpty, !did.contains("/") else { return nil }
        return object(guid: prefix + "/" + did)
    }

    /// The object at `index` of ``all``.
    func object(index: Int) -> TestObject? {
        if generated.indices.contains(index) { return generated[index] }
        return added.withLockedValue { state in
            state.objects.indices.contains(index - generated.count) ? state.objects[index - generated.count] : nil
        }
    }

    /// Serves `content` under `guid` from now on.
    func add(guid: String, fileName: String, content: [UInt8]) -> TestObject {
        let md5 = MD5.hex(content)
        return added.withLockedValue { state in
            let object = TestObject(
                index: generated.count + state.objects.count, guid: guid, fileName: fileName,
                size: content.count, md5: md5)
            state.objects.append(object)
            state.contents[object.index] = content
            state.byGUID[guid] = object.index
            return object
        }
    }

    /// Appends bytes `offset..<offset+count` of `object` to `buffer`; bytes past the object's end
    /// (asked for by the extra-bytes fault) are zeros.
    func write(_ object: TestObject, offset: Int, count: Int, into buffer: inout ByteBuffer) {
        guard count > 0 else { return }
        let explicit = object.index >= generated.count ? added.withLockedValue { $0.contents[object.index] } : nil
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { pointer in
            let target = UnsafeMutableRawBufferPointer(rebasing: pointer[0..<count])
            let real = max(0, min(count, object.size - offset))
            if real > 0 {
                let head = UnsafeMutableRawBufferPointer(rebasing: target[0..<real])
                if let explicit {
                    explicit.withUnsafeBytes { head.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + real])) }
                } else {
                    generator.fill(head, index: object.index, offset: offset)
                }
            }
            if real < count { UnsafeMutableRawBufferPointer(rebasing: target[real...]).initializeMemory(as: UInt8.self, repeating: 0) }
            return count
        }
    }

    /// The whole content of `object`.
    func content(of object: TestObject) -> [UInt8] {
        var buffer = ByteBufferAllocator().buffer(capacity: object.size)
        write(object, offset: 0, count: object.size, into: &buffer)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}
