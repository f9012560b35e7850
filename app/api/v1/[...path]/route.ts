import { noSuchRoute } from "@/lib/http/methods";

// Any method on a path under /api/v1 that no route serves — 404 problem details, not an HTML page
export { noSuchRoute as GET, noSuchRoute as HEAD, noSuchRoute as POST, noSuchRoute as PUT, noSuchRoute as PATCH, noSuchRoute as DELETE, noSuchRoute as OPTIONS };
