import Foundation

/// A Gen3 Workspace's token service: it holds the user's refresh tokens for each commons linked to
/// the workspace and hands out access tokens (`AccessTokenProvider` fetches them). Which identity
/// provider belongs to which commons is its `/external_oidc/` list.
package enum WorkspaceTokenService {
    /// The identity provider the service lists for `origin`, or nil when it lists none.
    static func identityProvider(for origin: String, wtsURL: String, http: HTTPOptions) throws -> String? {
        let url = wtsURL + "/external_oidc/"
        let answer = BlockingGet.fetch(url, http: http)
        guard answer.status == 200, let list = SmallJSON.decode(Providers.self, from: Data(answer.body)) else {
            throw CommonsError.tokenUnavailable(
                reason: "the Workspace Token Service at \(url) did not list its providers (\(answer.summary))")
        }
        return list.providers.first { provider in
            provider.baseURL.flatMap { try? Endpoint.origin(of: $0) } == origin
        }?.idp
    }

    /// `{"providers": [{"base_url", "idp", …}]}`.
    private struct Providers: Decodable {
        var providers: [Provider]

        init(from decoder: any Decoder) throws {
            providers = try decoder.container(keyedBy: CodingKeys.self).lenient([Provider].self, .providers) ?? []
        }

        enum CodingKeys: String, CodingKey { case providers }
    }

    private struct Provider: Decodable {
        var baseURL: String?
        var idp: String?

        enum CodingKeys: String, CodingKey {
            case baseURL = "base_url"
            case idp
        }

        init(from decoder: any Decoder) throws {
            let members = try decoder.container(keyedBy: CodingKeys.self)
            baseURL = members.lenient(String.self, .baseURL)
            idp = members.lenient(String.self, .idp)
        }
    }
}
