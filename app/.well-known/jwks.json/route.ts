import { db } from "@/lib/db";
import { dbNow } from "@/lib/db/clock";
import { config } from "@/lib/env";
import { publicJwks } from "@/lib/grants";
import { problemResponse } from "@/lib/http/problem";
import { methodNotAllowed } from "@/lib/http/methods";

// GET /.well-known/jwks.json — the public keys that verify grants
export async function GET() {
  try {
    const prisma = await db();
    // Retired keys are trimmed on the database's clock, the one grants are minted and expire on.
    const jwks = await publicJwks(prisma, config(), await dbNow(prisma));
    return Response.json(jwks, { headers: { "cache-control": "public, max-age=60" } });
  } catch (error) {
    return problemResponse(error, "/.well-known/jwks.json");
  }
}

// POST, PUT, PATCH, DELETE /.well-known/jwks.json — 405 problem details naming the methods this path answers
const otherMethod = methodNotAllowed(["GET"]);
export { otherMethod as POST, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
