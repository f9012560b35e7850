// Who did something, as recorded in the audit log.
import type { ActorType } from "./audit";

export interface Actor {
  type: ActorType;
  id?: string | null;
}

export const SYSTEM: Actor = { type: "system" };
export const CLI: Actor = { type: "cli" };
