// Answers for methods a route does not serve and paths no route serves: problem details, as
// every other answer of the agent API, instead of Next.js's empty 405 and HTML 404.
import { AppError } from "../errors";
import { problemResponse } from "./problem";

/** A handler for every method a route does not export: 405 with an `Allow` header listing the ones it does. */
export function methodNotAllowed(allowed: readonly string[]): (req: Request) => Response {
  const allow = [...allowed, ...(allowed.includes("GET") ? ["HEAD"] : []), "OPTIONS"].join(", ");
  return (req) =>
    problemResponse(
      new AppError("method_not_allowed", `${req.method} is not allowed here; this path answers ${allowed.join(" and ")}.`, undefined, { allow }),
      new URL(req.url).pathname,
    );
}

/** A handler for paths under the API that no route serves: 404. */
export function noSuchRoute(req: Request): Response {
  return problemResponse(new AppError("not_found", `There is no ${new URL(req.url).pathname} in Countersign's API; see /api/v1/openapi.json.`), new URL(req.url).pathname);
}
