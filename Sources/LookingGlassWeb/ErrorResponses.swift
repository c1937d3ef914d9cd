import Hummingbird
import JSONValue

/// One shape for every error response: pages get an HTML page, `/api/...` gets `{"error": "..."}`,
/// whatever produced the error (an unknown path, a missing transaction, a failed store read). The
/// site is read-only, so any method but GET and HEAD is answered 405 with `Allow: GET, HEAD`.
struct ErrorResponses<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard request.method == .get || request.method == .head else {
            var response = Self.response(
                for: path, status: .methodNotAllowed,
                message: "\(request.method.rawValue) is not allowed: the looking glass is read-only (GET and HEAD only).")
            response.headers[.allow] = "GET, HEAD"
            return response
        }
        do {
            return try await next(request, context)
        } catch {
            guard let error = error as? HTTPError else { throw error }
            let message = error.body ?? (error.status == .notFound ? "There is nothing at \(path)." : error.status.reasonPhrase)
            var response = Self.response(for: path, status: error.status, message: message)
            for field in error.headers { response.headers.append(field) }
            return response
        }
    }

    /// Whether `path` belongs to the JSON API.
    static func isAPI(_ path: String) -> Bool { path == "/api" || path.hasPrefix("/api/") }

    /// The error body for `path`: JSON for the API, an HTML page (with the site's navigation) otherwise.
    static func response(for path: String, status: HTTPResponse.Status, message: String) -> Response {
        if isAPI(path) {
            return LookingGlassRoutes.text(
                JSONValue.object([("error", .string(message))]).compactText + "\n", status: status, type: "application/json")
        }
        let title = "\(status.code) \(status.reasonPhrase)"
        return LookingGlassRoutes.text(
            Pages.layout(title, [.element("p", [], [.text(message)])]).markup, status: status, type: "text/html; charset=utf-8")
    }
}
