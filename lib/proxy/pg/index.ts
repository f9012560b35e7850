export { startPgProxy, PgProxyStartError, type PgProxy } from "./server";
export { SQLSTATE } from "./sqlstate";
