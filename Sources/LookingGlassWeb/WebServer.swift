import Foundation
import Hummingbird
import JSONValue
import LookingGlassStore

/// What the web side shows besides the store: collector health, metrics and lag.
public struct WebStatus: Sendable {
    /// Healthy or not, with a reason for `/healthz`.
    public var health: @Sendable () -> (healthy: Bool, detail: String)
    /// The Prometheus text for `/metrics`.
    public var metrics: @Sendable () -> String
    /// Consumer lag per partition.
    public var lag: @Sendable () -> [Int32: Int64]

    /// Makes a status source.
    public init(
        health: @escaping @Sendable () -> (healthy: Bool, detail: String), metrics: @escaping @Sendable () -> String,
        lag: @escaping @Sendable () -> [Int32: Int64]
    ) {
        self.health = health
        self.metrics = metrics
        self.lag = lag
    }
}

/// The dashboard and JSON API as a Hummingbird router. Read-only: only GET (and HEAD) routes exist.
public enum LookingGlassRoutes {
    /// The Content-Security-Policy of every response: no inline script, nothing from elsewhere.
    public static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; "
        + "base-uri 'none'; frame-ancestors 'none'"

    /// Builds the router.
    /// With `passwords`, every route but `/healthz` requires HTTP basic authentication against it;
    /// `vendors` names the vendor of each MAC shown.
    public static func router(
        store: any LookingGlassStore, feed: LiveFeed, status: WebStatus, passwords: PasswordFile? = nil,
        vendors: OUIDirectory? = nil, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) -> Router<BasicRequestContext> {
        let api = API(store: store, clock: clock, vendors: vendors)
        let pages = Pages(store: store, api: api, clock: clock, lag: status.lag)
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.add(middleware: SecurityHeaders())
        router.add(middleware: ErrorResponses())
        router.get("/healthz") { _, _ in
            let (healthy, detail) = status.health()
            return text(healthy ? "ok\n" : "unhealthy: \(detail)\n", status: healthy ? .ok : .serviceUnavailable)
        }
        if let passwords { router.add(middleware: BasicAuthentication(passwords: passwords)) }
        router.get("/api/servers") { _, _ in try json { try api.servers() } }
        router.get("/api/transactions") { request, _ in try json { try api.transactions(parameters(request)) } }
        router.get("/api/transactions/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            return try json {
                guard let value = try api.transaction(id) else { throw HTTPError(.notFound, message: "No transaction \(id) is stored.") }
                return value
            }
        }
        router.get("/api/leases") { request, _ in try json { try api.leases(parameters(request)) } }
        router.get("/api/stream") { _, _ in try LiveStream.response(feed) }
        router.get("/metrics") { _, _ in text(status.metrics(), type: "text/plain; version=0.0.4; charset=utf-8") }
        router.get("/") { _, _ in try html { try pages.overview() } }
        router.get("/search") { request, _ in try html { try pages.search(parameters(request)) } }
        router.get("/leases") { request, _ in try html { try pages.leases(parameters(request)) } }
        router.get("/live") { _, _ in try html { pages.live() } }
        router.get("/clients") { request, _ in try html { try pages.clients(parameters(request)) } }
        router.get("/clients/:duid") { request, context in
            try html { try pages.client(context.parameters.get("duid") ?? "", parameters(request)) }
        }
        router.get("/transactions/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            return try html {
                guard let page = try pages.transaction(id) else { throw HTTPError(.notFound, message: "No transaction \(id) is stored.") }
                return page
            }
        }
        router.get("/static/live.js") { _, _ in text(StaticFiles.liveJS, type: "text/javascript; charset=utf-8") }
        router.get("/static/style.css") { _, _ in text(StaticFiles.css, type: "text/css; charset=utf-8") }
        return router
    }

    static func parameters(_ request: Request) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where out[String(key)] == nil {
            out[String(key)] = String(value)
        }
        return out
    }

    static func text(_ body: String, status: HTTPResponse.Status = .ok, type: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func json(_ body: () throws -> JSONValue) throws -> Response {
        do {
            return text(try body().compactText + "\n", type: "application/json")
        } catch let error as BadRequest {
            return text(JSONValue.object([("error", .string(error.message))]).compactText + "\n", status: .badRequest, type: "application/json")
        }
    }

    static func html(_ body: () throws -> HTML) throws -> Response {
        do {
            return text(try body().markup, type: "text/html; charset=utf-8")
        } catch let error as BadRequest {
            return text(Pages.layout("Bad request", [.element("p", [], [.text(error.message)])]).markup, status: .badRequest,
                        type: "text/html; charset=utf-8")
        }
    }
}

/// Adds the security headers to every response, errors included.
struct SecurityHeaders<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.contentSecurityPolicy] = LookingGlassRoutes.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
