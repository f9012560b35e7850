// Built-in PostgreSQL functions whose mere call is dangerous, matched on the function's name
// wherever it appears in the parse tree (SELECT list, FROM, WHERE, defaults, function bodies).
// Names are matched without regard to schema, so a look-alike in another schema fails closed.
import type { RiskLevel } from "./levels";

export interface DangerousFunction {
  id: string;
  level: RiskLevel;
  /** Completes "Calls `name`, which …". */
  effect: string;
  /** The function runs SQL given to it as a string: classify that string too. */
  runsSqlArgument?: boolean;
}

const TERMINATE: DangerousFunction = {
  id: "sql.terminate_backend",
  level: "high",
  effect: "terminates other database sessions and rolls back their work",
};
const CANCEL: DangerousFunction = {
  id: "sql.terminate_backend",
  level: "high",
  effect: "cancels queries running in other database sessions",
};
const FILE: DangerousFunction = {
  id: "sql.server_file_access",
  level: "high",
  effect: "reads or writes files on the database server",
};
const ADMIN = (effect: string): DangerousFunction => ({ id: "sql.server_admin", level: "high", effect });
const OPAQUE: DangerousFunction = {
  id: "sql.opaque_code",
  level: "high",
  effect: "runs SQL passed to it as text, outside the statement Countersign parsed",
  runsSqlArgument: true,
};

export const DANGEROUS_FUNCTIONS: ReadonlyMap<string, DangerousFunction> = new Map<string, DangerousFunction>([
  ["pg_terminate_backend", TERMINATE],
  ["pg_cancel_backend", CANCEL],
  [
    "pg_drop_replication_slot",
    {
      id: "sql.drop_replication_slot",
      level: "high",
      effect: "drops a replication slot, breaking the replica or consumer that relies on it",
    },
  ],
  [
    "lo_unlink",
    { id: "sql.large_object_destroy", level: "high", effect: "permanently deletes a large object" },
  ],
  ["lo_truncate", { id: "sql.large_object_destroy", level: "high", effect: "truncates a large object" }],
  ["lo_truncate64", { id: "sql.large_object_destroy", level: "high", effect: "truncates a large object" }],
  ["pg_read_file", FILE],
  ["pg_read_binary_file", FILE],
  ["pg_ls_dir", FILE],
  ["pg_stat_file", FILE],
  ["pg_ls_logdir", FILE],
  ["pg_ls_waldir", FILE],
  ["pg_ls_tmpdir", FILE],
  ["pg_ls_archive_statusdir", FILE],
  ["pg_ls_logicalsnapdir", FILE],
  ["pg_ls_logicalmapdir", FILE],
  ["pg_ls_replslotdir", FILE],
  ["lo_import", FILE],
  ["lo_export", FILE],
  ["pg_file_write", FILE],
  ["pg_file_rename", FILE],
  ["pg_file_unlink", FILE],
  ["pg_file_sync", FILE],
  ["pg_logdir_ls", FILE],
  ["pg_reload_conf", ADMIN("reloads the server configuration, applying pending ALTER SYSTEM changes")],
  ["pg_promote", ADMIN("promotes a standby server to primary")],
  ["pg_switch_wal", ADMIN("forces a switch to a new write-ahead log file")],
  ["pg_wal_replay_pause", ADMIN("pauses recovery on a standby")],
  ["pg_wal_replay_resume", ADMIN("resumes recovery on a standby")],
  ["pg_rotate_logfile", ADMIN("rotates the server log file")],
  ["pg_replication_slot_advance", ADMIN("advances a replication slot, discarding changes its consumer has not read")],
  // Reading a logical slot with the get_ functions consumes the changes: the slot's real
  // consumer (a replica, a CDC pipeline) never sees them. The peek_ functions only read.
  ["pg_logical_slot_get_changes", ADMIN("consumes changes from a logical replication slot, so its real consumer never receives them")],
  ["pg_logical_slot_get_binary_changes", ADMIN("consumes changes from a logical replication slot, so its real consumer never receives them")],
  ["pg_replication_origin_advance", ADMIN("moves a replication origin's progress, so changes are skipped or applied twice")],
  ["pg_replication_origin_session_setup", ADMIN("makes this session replay changes as a replication origin")],
  ["pg_copy_logical_replication_slot", ADMIN("copies a replication slot, which retains WAL until consumed")],
  ["pg_copy_physical_replication_slot", ADMIN("copies a replication slot, which retains WAL until consumed")],
  ["pg_sync_replication_slots", ADMIN("synchronises replication slots from the primary onto a standby")],
  ["pg_backup_start", ADMIN("starts an online backup, forcing a checkpoint")],
  ["pg_backup_stop", ADMIN("ends an online backup started in this session")],
  ["pg_replication_origin_drop", ADMIN("drops a replication origin")],
  ["pg_create_physical_replication_slot", ADMIN("creates a replication slot, which retains WAL until consumed")],
  ["pg_create_logical_replication_slot", ADMIN("creates a replication slot, which retains WAL until consumed")],
  ["dblink", OPAQUE],
  ["dblink_exec", OPAQUE],
  ["dblink_send_query", OPAQUE],
  ["dblink_open", OPAQUE],
  ["query_to_xml", OPAQUE],
  ["query_to_xml_and_xmlschema", OPAQUE],
  ["query_to_xmlschema", OPAQUE],
  ["setval", { id: "sql.write", level: "medium", effect: "resets a sequence's current value" }],
]);

/** Settings that, changed with ALTER SYSTEM, can turn off WAL archiving and point-in-time recovery. */
export const ARCHIVING_SETTINGS: ReadonlySet<string> = new Set(["archive_mode", "archive_command", "archive_library", "wal_level"]);
