import NIOCore
import PostgresNIO

// The statements every append runs, prepared once per connection: PostgreSQL then parses and
// plans them once. Parsing and planning the append's eleven-part statement took more of the
// server's time than running it (perf on the backends under `seal-bench postgres`). Each has a
// name of its own: postgres-nio's default name is the type's reflected name, built anew for
// every query (for the lock statement alone, 5% of the samples in a seald's append path).

/// Takes the append lock, then the tree head (after the commit of the append before), with
/// its right edge, the newest commit time, and the root of the checkpoint at the size this
/// instance last saw (to tell whether the head extends it): `seal_lock_head` in the schema.
struct LockedHeadStatement: PostgresPreparedStatement {
    static let name = "seal_lock_head"
    static let sql = "SELECT * FROM seal_lock_head($1)"
    typealias Row = (Int, ByteBuffer, ByteBuffer?, Int?, ByteBuffer?)
    static let bindingDataTypes: [PostgresDataType] = [.int8]

    let rememberedSize: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(rememberedSize)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// Every write of a batch in one statement, run outside a transaction block so that it commits
/// in the same round trip: the head's compare-and-set, which returns the new size when it moved,
/// and only then (each insert waits for it) entries, nodes, salts, notes, revocation lookups and
/// the checkpoint. It takes the commit lock first (held to the end of its transaction), and once
/// the head has moved it releases the append lock: the next writer then waits at the server for
/// this commit instead of for a round trip to this instance, and reads the head this commit
/// leaves, or the old one if it fails. An empty value stands for a NULL signature hash (arrays of
/// optionals do not bind).
struct AppendStatement: PostgresPreparedStatement {
    static let name = "seal_append"
    static let sql = """
        WITH x AS (SELECT pg_advisory_xact_lock(\(PostgresArchiveStore.commitLock))),
             h AS (UPDATE tree_head SET size = $17, root = $18, frontier = $20, created_at = $6
                   WHERE id = 1 AND size = $21 AND EXISTS (SELECT FROM x) RETURNING size),
             e AS (INSERT INTO entries (idx, kind, data, leaf_hash, signature_hash, committed_at)
                   SELECT i, k, d, l, NULLIF(s, '\\x'::bytea), $6
                   FROM unnest($1::int8[], $2::int4[], $3::bytea[], $4::bytea[], $5::bytea[]) AS t(i, k, d, l, s) WHERE EXISTS (SELECT FROM h)),
             n AS (INSERT INTO nodes (level, idx, hash) SELECT * FROM unnest($7::int4[], $8::int8[], $9::bytea[]) WHERE EXISTS (SELECT FROM h)),
             s AS (INSERT INTO salts (idx, salt) SELECT * FROM unnest($10::int8[], $11::bytea[]) WHERE EXISTS (SELECT FROM h)),
             o AS (INSERT INTO notes (idx, note) SELECT * FROM unnest($12::int8[], $13::text[]) WHERE EXISTS (SELECT FROM h)),
             r AS (INSERT INTO document_revocations (target_idx, entry_idx) SELECT * FROM unnest($14::int8[], $15::int8[]) WHERE EXISTS (SELECT FROM h)),
             l AS (INSERT INTO revocation_lists (entry_idx) SELECT * FROM unnest($16::int8[]) WHERE EXISTS (SELECT FROM h)),
             c AS (INSERT INTO checkpoints (size, root, note, created_at) SELECT $17, $18, $19, $6 WHERE EXISTS (SELECT FROM h)
                   ON CONFLICT (size) DO NOTHING)
        SELECT size, pg_advisory_unlock(\(PostgresArchiveStore.appendLock)) FROM h
        """
    typealias Row = (Int, Bool)
    static let bindingDataTypes: [PostgresDataType] = [
        .int8Array, .int8Array, .byteaArray, .byteaArray, .byteaArray, .int8, .int8Array, .int8Array, .byteaArray,
        .int8Array, .byteaArray, .int8Array, .textArray, .int8Array, .int8Array, .int8Array, .int8, .bytea, .text, .bytea, .int8,
    ]

    var entries = (idx: [Int](), kind: [Int](), data: [ByteBuffer](), leaf: [ByteBuffer](), signature: [ByteBuffer]())
    var committedAt = 0
    var nodes = (level: [Int](), idx: [Int](), hash: [ByteBuffer]())
    var salts = (idx: [Int](), salt: [ByteBuffer]())
    var notes = (idx: [Int](), note: [String]())
    var revocations = (target: [Int](), entry: [Int]())
    var revocationLists: [Int] = []
    var size = 0
    var root = ByteBuffer()
    var note = ""
    var frontier = ByteBuffer()
    var previousSize = 0

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 21)
        bindings.append(entries.idx)
        bindings.append(entries.kind)
        bindings.append(entries.data)
        bindings.append(entries.leaf)
        bindings.append(entries.signature)
        bindings.append(committedAt)
        bindings.append(nodes.level)
        bindings.append(nodes.idx)
        bindings.append(nodes.hash)
        bindings.append(salts.idx)
        bindings.append(salts.salt)
        bindings.append(notes.idx)
        bindings.append(notes.note)
        bindings.append(revocations.target)
        bindings.append(revocations.entry)
        bindings.append(revocationLists)
        bindings.append(size)
        bindings.append(root)
        bindings.append(note)
        bindings.append(frontier)
        bindings.append(previousSize)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// Whether a synchronous standby has flushed the WAL up to `position` (nil: what the primary has
/// flushed, which a commit that returned includes, without the WAL other writers are inserting
/// meanwhile; returned with the answer so that a later poll asks about the same position).
/// The standbys come from the function behind `pg_stat_replication`: the view also reads every
/// backend's activity to name the standby's session, and took a third longer per poll
/// (pgbench: 0.24 against 0.18 ms).
struct StandbyFlushedStatement: PostgresPreparedStatement {
    static let name = "seal_standby_flushed"
    static let sql = """
        WITH l AS (SELECT coalesce($1::text::pg_lsn, pg_current_wal_flush_lsn()) AS lsn)
        SELECT l.lsn::text, coalesce(bool_or(r.flush_lsn >= l.lsn), false)
        FROM l LEFT JOIN pg_stat_get_wal_senders() r ON r.sync_state IN ('sync', 'quorum') GROUP BY l.lsn
        """
    typealias Row = (String, Bool)
    /// Declared: prepared with NULL, the parameter would otherwise take pg_lsn's binary form.
    static let bindingDataTypes: [PostgresDataType] = [.text]

    let position: String?

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(position)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
