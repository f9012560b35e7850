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

/**
 * Catalogs whose rows hold credentials: reading them at all is high, whichever columns are named.
 * Matched on the relation's name in any schema, so a look-alike elsewhere fails closed. The
 * masked views (`pg_roles`, `pg_user`) and `pg_auth_members` (who is in which role) are not here.
 */
export const CREDENTIAL_CATALOGS: ReadonlyMap<string, string> = new Map([
  ["pg_authid", "holds the password hash of every role"],
  ["pg_shadow", "shows the password hash of every role"],
  ["pg_user_mapping", "holds the options of user mappings, passwords for foreign servers among them"],
  ["pg_user_mappings", "shows the options of user mappings, passwords for foreign servers among them"],
  ["pg_subscription", "holds the connection strings of subscriptions, which can include the publisher's password"],
]);

export interface SessionTextView {
  /** Columns that hold query text; null when every column counts (the view's columns vary by version). */
  textColumns: readonly string[] | null;
  /** Completes "… from `name`, which …". */
  effect: string;
}

/**
 * Views that show the text of queries other sessions run or ran: literals in that text can be
 * passwords, tokens or other users' data. A read is high when it can return the text (a text
 * column, `*`, a whole-row reference, renamed columns); counting sessions or naming other columns
 * stays low. Matched on the name in any schema: extensions install into any schema.
 */
export const SESSION_TEXT_VIEWS: ReadonlyMap<string, SessionTextView> = new Map([
  ["pg_stat_activity", { textColumns: ["query"], effect: "shows the query each session is running" }],
  ["pg_stat_statements", { textColumns: ["query"], effect: "keeps the text of queries every role has run" }],
  ["pg_stat_monitor", { textColumns: null, effect: "keeps the text and plans of queries every role has run" }],
]);

/** Settings that, changed with ALTER SYSTEM, can turn off WAL archiving and point-in-time recovery. */
export const ARCHIVING_SETTINGS: ReadonlySet<string> = new Set(["archive_mode", "archive_command", "archive_library", "wal_level"]);

/** Settings that, made the default for a database, a role or the server, stop its transactions from writing. */
export const READ_ONLY_SETTINGS: ReadonlySet<string> = new Set(["default_transaction_read_only", "transaction_read_only"]);

/** Server settings that decide who can connect at all: a wrong value refuses connections after a restart. */
export const CONNECTION_SETTINGS: ReadonlySet<string> = new Set(["max_connections", "listen_addresses", "superuser_reserved_connections", "reserved_connections", "port"]);

// Built-in functions known to have no effect beyond computing their result: aggregates and
// window functions, string, math, date/time, JSON, array, range, text-search, formatting and
// type-conversion functions, and catalog look-ups. A call to any other function (a user-defined
// one, an extension's, a built-in with side effects such as nextval or pg_advisory_lock) is
// something Countersign cannot see into, and is high (sql.unknown_function). Matched only when
// the call is unqualified or qualified with pg_catalog: `public.lower()` is somebody's function.
const KNOWN_FUNCTION_NAMES = `
  count sum avg min max array_agg string_agg json_agg jsonb_agg json_agg_strict jsonb_agg_strict
  json_object_agg jsonb_object_agg json_object_agg_strict jsonb_object_agg_strict
  json_object_agg_unique jsonb_object_agg_unique json_object_agg_unique_strict
  jsonb_object_agg_unique_strict bool_and bool_or every bit_and bit_or bit_xor any_value
  stddev stddev_pop stddev_samp variance var_pop var_samp corr covar_pop covar_samp
  regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope regr_sxx regr_sxy regr_syy
  percentile_cont percentile_disc mode range_agg range_intersect_agg xmlagg
  row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
  lower upper initcap casefold length char_length character_length octet_length bit_length
  concat concat_ws substr substring left right lpad rpad ltrim rtrim btrim trim replace translate
  reverse repeat position strpos split_part string_to_array string_to_table array_to_string
  regexp_replace regexp_match regexp_matches regexp_split_to_array regexp_split_to_table
  regexp_like regexp_count regexp_instr regexp_substr starts_with format quote_ident
  quote_literal quote_nullable md5 sha224 sha256 sha384 sha512 crc32 crc32c encode decode ascii
  chr to_hex to_bin to_oct to_ascii convert convert_from convert_to overlay normalize
  is_normalized unistr parse_ident similar_to_escape like_escape textcat textlen
  get_byte set_byte get_bit set_bit bit_count
  gen_random_uuid uuidv4 uuidv7 uuid_extract_timestamp uuid_extract_version
  abs ceil ceiling floor round trunc sign sqrt cbrt exp ln log log10 power pow mod div pi
  degrees radians sin cos tan cot asin acos atan atan2 sind cosd tand cotd asind acosd atand
  atan2d sinh cosh tanh asinh acosh atanh erf erfc gamma lgamma random random_normal
  width_bucket scale min_scale trim_scale gcd lcm factorial greatest least
  now clock_timestamp statement_timestamp transaction_timestamp timeofday date_trunc date_part
  extract date_bin age make_date make_time make_timestamp make_timestamptz make_interval
  to_timestamp to_date to_char to_number justify_days justify_hours justify_interval isfinite
  timezone date_add date_subtract overlaps
  to_json to_jsonb json_build_object jsonb_build_object json_build_array jsonb_build_array
  json_object jsonb_object array_to_json row_to_json json_array_length jsonb_array_length
  json_each jsonb_each json_each_text jsonb_each_text json_extract_path jsonb_extract_path
  json_extract_path_text jsonb_extract_path_text json_object_keys jsonb_object_keys
  json_populate_record jsonb_populate_record jsonb_populate_record_valid json_populate_recordset
  jsonb_populate_recordset json_to_record jsonb_to_record json_to_recordset jsonb_to_recordset
  json_array_elements jsonb_array_elements json_array_elements_text jsonb_array_elements_text
  json_typeof jsonb_typeof json_strip_nulls jsonb_strip_nulls jsonb_set jsonb_set_lax
  jsonb_insert jsonb_pretty jsonb_path_exists jsonb_path_match jsonb_path_query
  jsonb_path_query_array jsonb_path_query_first jsonb_path_exists_tz jsonb_path_match_tz
  jsonb_path_query_tz jsonb_path_query_array_tz jsonb_path_query_first_tz
  array_append array_prepend array_cat array_dims array_fill array_length array_lower
  array_upper array_ndims array_position array_positions array_remove array_replace
  array_reverse array_sample array_shuffle array_sort cardinality unnest trim_array
  generate_series generate_subscripts num_nonnulls num_nulls
  isempty lower_inc upper_inc lower_inf upper_inf range_merge int4range int8range numrange
  tsrange tstzrange daterange int4multirange int8multirange nummultirange tsmultirange
  tstzmultirange datemultirange multirange
  to_tsvector to_tsquery plainto_tsquery phraseto_tsquery websearch_to_tsquery ts_rank
  ts_rank_cd ts_headline setweight strip numnode querytree array_to_tsvector
  tsvector_to_array
  host hostmask family masklen netmask network broadcast abbrev inet_merge inet_same_family
  text int2 int4 int8 float4 float8 numeric bool date time timestamp timestamptz interval
  pg_typeof format_type pg_column_size pg_size_pretty pg_size_bytes
  current_database current_schema current_schemas version pg_backend_pid
  inet_client_addr inet_client_port inet_server_addr inet_server_port pg_postmaster_start_time
  pg_conf_load_time pg_is_in_recovery pg_current_wal_lsn pg_last_wal_receive_lsn
  pg_last_wal_replay_lsn pg_last_xact_replay_timestamp pg_wal_lsn_diff pg_jit_available
  pg_relation_size pg_total_relation_size pg_table_size pg_indexes_size pg_database_size
  pg_tablespace_size pg_relation_filenode pg_relation_filepath
  pg_get_viewdef pg_get_indexdef pg_get_constraintdef pg_get_functiondef pg_get_triggerdef
  pg_get_ruledef pg_get_expr pg_get_userbyid pg_get_serial_sequence pg_get_keywords
  pg_get_function_arguments pg_get_function_result pg_get_function_identity_arguments
  obj_description col_description shobj_description
  has_table_privilege has_column_privilege has_schema_privilege has_database_privilege
  has_function_privilege has_sequence_privilege pg_has_role row_security_active
  to_regclass to_regtype to_regproc to_regprocedure to_regnamespace to_regrole
  pg_table_is_visible pg_type_is_visible pg_function_is_visible
  currval lastval pg_sequence_last_value current_setting pg_blocking_pids pg_current_snapshot
  pg_input_is_valid pg_input_error_info pg_logical_slot_peek_changes pg_sleep pg_sleep_for
  pg_sleep_until
  pg_logical_slot_peek_binary_changes
  xmlconcat xmlelement xmlforest xmlparse xmlpi xmlroot xmlserialize xmlexists
  xml_is_well_formed xml_is_well_formed_document xml_is_well_formed_content xpath xpath_exists
`;

export const KNOWN_FUNCTIONS: ReadonlySet<string> = new Set(KNOWN_FUNCTION_NAMES.split(/\s+/).filter(Boolean));
