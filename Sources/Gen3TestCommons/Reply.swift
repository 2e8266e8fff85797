import NIOHTTP1

/// What a responder answers: a whole response, or a head followed by a body streamed per a plan.
enum Reply {
    case response(HTTPResponse)
    case streamed(HTTPResponseHead, BodyPlan)
    /// A whole response, sent once the gate opens (or its time runs out).
    case held(HTTPResponse, TokenGate)
}
