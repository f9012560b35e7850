import { db } from "@/lib/db";
import { config } from "@/lib/env";
import { publicJwks } from "@/lib/grants";
import { problemResponse } from "@/lib/http/problem";

// GET /.well-known/jwks.json — the public keys that verify grants
export async function GET() {
  try {
    const jwks = await publicJwks(await db(), config(), new Date());
    return Response.json(jwks, { headers: { "cache-control": "public, max-age=60" } });
  } catch (error) {
    return problemResponse(error, "/.well-known/jwks.json");
  }
}
