// A process that races others for one data folder's lock (lib/db/lock.test.ts): it waits for the
// agreed moment, tries once, says whether it won, and holds a won lock a little while.
import { acquireDataDirLock, DataDirInUseError } from "../lib/db/lock";

const [dataDir, startAt] = process.argv.slice(2);
while (Date.now() < Number(startAt)) {
  // Spin: the racers should try within the same millisecond or so.
}
try {
  const lock = acquireDataDirLock(dataDir, "racer");
  process.stdout.write("won\n");
  setTimeout(() => {
    lock.release();
    process.exit(0);
  }, 1500);
} catch (error) {
  process.stdout.write(error instanceof DataDirInUseError ? "lost\n" : `error ${(error as Error).message}\n`);
  process.exit(0);
}
