-- The audit chain's head, read under the append lock in one round trip. The lock serialises
-- appends across connections and instances; as a VOLATILE function each statement below takes a
-- fresh snapshot, so the head read after the lock is granted sees every append committed before.
CREATE OR REPLACE FUNCTION countersign_audit_head(OUT head_seq bigint, OUT head_hash text, OUT tx_now timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7321004118);
  SELECT a.seq, a.hash INTO head_seq, head_hash FROM audit_events a ORDER BY a.seq DESC LIMIT 1;
  tx_now := now();
END
$$;
