import type { RawTx } from "./raw";

/** The database's clock: expiry, grants and signing keys follow it, not the app server's. */
export async function dbNow(tx: RawTx): Promise<Date> {
  const [row] = await tx.$queryRawUnsafe<Array<{ now: Date }>>(`SELECT now() AS now`);
  return new Date(row.now);
}
