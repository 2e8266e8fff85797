/// A first-in, first-out queue on an array that lets go of what it hands out: taken elements are
/// dropped once they make up half the array, so a queue that is never empty stays the size of
/// what it holds.
struct FIFO<Element>: Sequence {
    private var elements: [Element] = []
    private var head = 0

    init(_ elements: [Element] = []) { self.elements = elements }

    var count: Int { elements.count - head }
    var isEmpty: Bool { head == elements.count }

    mutating func append(_ element: Element) { elements.append(element) }

    /// What the queue holds, first to last.
    func makeIterator() -> ArraySlice<Element>.Iterator { elements[head...].makeIterator() }

    mutating func popFirst() -> Element? {
        guard head < elements.count else { return nil }
        let element = elements[head]
        head += 1
        if head * 2 >= elements.count {
            elements.removeFirst(head)
            head = 0
        }
        return element
    }

    /// Empties the queue, returning what it held in order.
    mutating func removeAll() -> [Element] {
        defer {
            elements.removeAll()
            head = 0
        }
        return Array(elements[head...])
    }
}
