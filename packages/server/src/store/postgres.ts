/**
 * A Store in PostgreSQL (a server through `pg`, or PGlite), over the minimal SqlClient. Schema changes are
 * numbered migrations applied by PostgresStore.open().
 */
import { canonicalKey, checkQuery, instantOf, jsonText, keyMismatch, normalizeObject, normalizeParty, partyScope, sameKey, tokenTaken } from "./memory.js";
import { checkClaim, checkDelivery, checkDeliveryQuery } from "./outbox.js";
import { connectPg, type PgPoolConfig, type SqlClient } from "./sql.js";
import type {
  Delivery,
  DeliveryCount,
  DeliveryOutcome,
  DeliveryQuery,
  NewDelivery,
  ObjectKey,
  ObjectPage,
  ObjectQuery,
  PartyRecord,
  Store,
  StoredJson,
  StoredObject,
  WriteOptions,
} from "./store.js";

export interface Migration {
  version: number;
  name: string;
  /** Run in order, one statement each, in the schema's search_path. */
  statements: string[];
}

/**
 * Every schema change, oldest first. Never edit an applied one: add a new version.
 *
 * Text key columns use the "C" collation so lists sort by code point, as MemoryStore does, whatever the database
 * locale. `last_updated` is the instant (filters, order); `last_updated_text` is the DateTime exactly as given.
 * country_code, party_id and id hold CiStrings in canonical form (see canonicalKey).
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "objects and parties",
    statements: [
      `CREATE TABLE ocpi_objects (
        module text COLLATE "C" NOT NULL,
        country_code text COLLATE "C" NOT NULL,
        party_id text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        last_updated timestamptz NOT NULL,
        last_updated_text text NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (module, country_code, party_id, id)
      )`,
      `CREATE INDEX ocpi_objects_list ON ocpi_objects (module, last_updated, country_code, party_id, id)`,
      // Lists scoped to one party.
      `CREATE INDEX ocpi_objects_party_list ON ocpi_objects (module, country_code, party_id, last_updated, id)`,
      `CREATE TABLE ocpi_parties (
        id text COLLATE "C" PRIMARY KEY,
        incoming_token text NOT NULL UNIQUE,
        status text NOT NULL,
        data jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    version: 2,
    name: "canonical CiString keys",
    statements: [
      // Rows written before keys were canonical may hold one object under several cases of its key: keep the newest
      // (on a tie, the one whose key sorts last, as MemoryStore keeps the later one of its snapshot) ...
      `DELETE FROM ocpi_objects AS o USING ocpi_objects AS n
       WHERE n.module = o.module
         AND ${canonicalSql("n.country_code")} = ${canonicalSql("o.country_code")}
         AND ${canonicalSql("n.party_id")} = ${canonicalSql("o.party_id")}
         AND ${canonicalSql("n.id")} = ${canonicalSql("o.id")}
         AND (n.last_updated, n.country_code, n.party_id, n.id) > (o.last_updated, o.country_code, o.party_id, o.id)`,
      // ... then put every key in canonical form. No two rows are left with one canonical key, so no row's new key
      // is another row's current one and the primary key holds at every row.
      `UPDATE ocpi_objects
       SET country_code = ${canonicalSql("country_code")}, party_id = ${canonicalSql("party_id")}, id = ${canonicalSql("id")}
       WHERE country_code <> ${canonicalSql("country_code")} OR party_id <> ${canonicalSql("party_id")} OR id <> ${canonicalSql("id")}`,
    ],
  },
  {
    version: 3,
    name: "outbox",
    statements: [
      // `party` is our PartyRecord.id; `message` holds what is sent (operationId, version, params, body, url, to).
      `CREATE TABLE ocpi_outbox (
        seq bigserial PRIMARY KEY,
        party text COLLATE "C" NOT NULL,
        order_key text COLLATE "C" NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        leased_by text,
        lease_until timestamptz,
        last_failure jsonb,
        message jsonb NOT NULL
      )`,
      // The first pending delivery of each party and order key, and the due ones, are found through these.
      `CREATE INDEX ocpi_outbox_order ON ocpi_outbox (party, order_key, seq) WHERE state = 'pending'`,
      `CREATE INDEX ocpi_outbox_due ON ocpi_outbox (seq) WHERE state = 'pending'`,
    ],
  },
];

/**
 * canonicalCiString in SQL: ASCII a-z to A-Z, nothing else. `translate` rather than `upper`, whose result outside
 * ASCII depends on the database's locale.
 */
function canonicalSql(column: string): string {
  return `translate(${column}, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')`;
}

export interface PostgresStoreOptions {
  /** A PostgreSQL schema for the tables (created if missing); default: the connection's search_path. */
  schema?: string;
}

// Lowercase, so the quoted name is the one an unquoted reference would also find.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

// pg_advisory_xact_lock(int, int) key: "ocpi" and 1 (migrations). Serializes concurrent migrating processes.
const MIGRATION_LOCK = [0x6f637069, 1] as const;

const MIGRATIONS_TABLE_COLUMNS = ["applied_at", "name", "version"];

/**
 * Applies the migrations not applied yet, in one transaction under an advisory lock, so concurrent callers
 * apply each exactly once. Returns the versions it applied.
 */
export async function migrate(sql: SqlClient, options: PostgresStoreOptions = {}): Promise<number[]> {
  const schema = checkSchema(options.schema);
  return sql.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1, $2)", [...MIGRATION_LOCK]);
    if (schema !== undefined) {
      await tx.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await tx.query(`SET LOCAL search_path TO "${schema}"`);
    }
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    await checkMigrationsTable(tx);
    const applied = new Set((await tx.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((r) => r.version));
    const latest = Math.max(0, ...migrations.map((m) => m.version));
    const unknown = [...applied].filter((v) => v > latest);
    if (unknown.length > 0) {
      throw new Error(`PostgresStore: the database has migration ${Math.max(...unknown)}, newer than this code knows (${latest})`);
    }
    const done: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name]);
      done.push(migration.version);
    }
    return done;
  });
}

// "schema_migrations" is a common name: refuse one another tool made rather than misread its versions.
async function checkMigrationsTable(tx: SqlClient): Promise<void> {
  const { rows } = await tx.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = 'schema_migrations' ORDER BY column_name`,
  );
  const columns = rows.map((r) => r.column_name).join(",");
  if (columns !== MIGRATIONS_TABLE_COLUMNS.join(",")) {
    throw new Error(
      `PostgresStore: schema_migrations has columns (${columns}), not this store's: it belongs to another tool. ` +
        "Use the schema option to put the store's tables in a schema of their own.",
    );
  }
}

function checkSchema(schema: string | undefined): string | undefined {
  if (schema !== undefined && (typeof schema !== "string" || !SCHEMA_NAME.test(schema))) {
    throw new RangeError(`PostgresStore: schema must match ${SCHEMA_NAME} (got ${JSON.stringify(schema)})`);
  }
  return schema;
}

interface ObjectRow {
  country_code: string;
  party_id: string;
  id: string;
  last_updated_text: string;
  data: unknown;
}

const OBJECT_COLUMNS = "country_code, party_id, id, last_updated_text, data";
const KEY_MATCH = "module = $1 AND country_code = $2 AND party_id = $3 AND id = $4";
const keyParams = (key: ObjectKey): unknown[] => [key.module, key.country_code, key.party_id, key.id];

const toObject = <T>(module: string, row: ObjectRow): StoredObject<T> => ({
  module,
  country_code: row.country_code,
  party_id: row.party_id,
  id: row.id,
  last_updated: row.last_updated_text,
  data: row.data as T,
});

interface DeliveryRow {
  seq: string | number;
  party: string;
  order_key: string;
  state: Delivery["state"];
  attempts: number;
  next_attempt_at: Date | string;
  created_at: Date | string;
  leased_by: string | null;
  lease_until: Date | string | null;
  last_failure: Delivery["lastFailure"] | null;
  message: Pick<NewDelivery, "operationId" | "version" | "params" | "body" | "url" | "replaces" | "to">;
}

const DELIVERY_COLUMNS = "seq, party, order_key, state, attempts, next_attempt_at, created_at, leased_by, lease_until, last_failure, message";
const iso = (value: Date | string): string => new Date(value).toISOString();

const toDelivery = (row: DeliveryRow): Delivery => ({
  id: String(row.seq),
  seq: Number(row.seq),
  partyId: row.party,
  orderKey: row.order_key,
  ...row.message,
  state: row.state,
  attempts: row.attempts,
  nextAttemptAt: iso(row.next_attempt_at),
  createdAt: iso(row.created_at),
  ...(row.leased_by !== null && row.lease_until !== null ? { leasedBy: row.leased_by, leaseUntil: iso(row.lease_until) } : {}),
  ...(row.last_failure ? { lastFailure: row.last_failure } : {}),
});

// A delivery id is the text of its seq; anything else names no delivery.
const DELIVERY_ID = /^[1-9][0-9]{0,17}$/;

// A PostgreSQL unique violation.
const isUniqueViolation = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === "23505";

/**
 * A Store in PostgreSQL: several processes may share one database (their outbox workers through leases claimed with
 * `FOR UPDATE SKIP LOCKED`). Made with `PostgresStore.open(client)` (migrations applied) or `PostgresStore.connect(url)`.
 */
export class PostgresStore implements Store {
  /** The schema holding the tables, if one was given. */
  readonly schema: string | undefined;
  private readonly objects: string;
  private readonly parties: string;
  private readonly outbox: string;
  private closed = false;
  /** Ends the pool that connect() opened (none when the caller gave the SqlClient). */
  private end: (() => Promise<void>) | undefined;

  private constructor(
    private readonly sql: SqlClient,
    schema: string | undefined,
  ) {
    this.schema = schema;
    const prefix = schema === undefined ? "" : `"${schema}".`;
    this.objects = `${prefix}ocpi_objects`;
    this.parties = `${prefix}ocpi_parties`;
    this.outbox = `${prefix}ocpi_outbox`;
  }

  /** Applies pending migrations, then returns the store. The SqlClient stays the caller's to close. */
  static async open(sql: SqlClient, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    await migrate(sql, options);
    return new PostgresStore(sql, options.schema);
  }

  /**
   * Opens a node-postgres pool (a connection string, or the Pool's options), applies pending migrations and returns
   * the store; close() ends the pool. Needs `pg`, an optional peer dependency: `npm install pg` (the error says so).
   */
  static async connect(config: string | PgPoolConfig, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const pool = await connectPg(config);
    try {
      await migrate(pool, options);
    } catch (error) {
      await pool.end();
      throw error;
    }
    const store = new PostgresStore(pool, options.schema);
    store.end = () => pool.end();
    return store;
  }

  private db(): SqlClient {
    if (this.closed) throw new Error("PostgresStore is closed");
    return this.sql;
  }

  async getObject<T = unknown>(given: ObjectKey): Promise<StoredObject<T> | undefined> {
    const db = this.db();
    const key = canonicalKey(given);
    const { rows } = await db.query<ObjectRow>(`SELECT ${OBJECT_COLUMNS} FROM ${this.objects} WHERE ${KEY_MATCH}`, keyParams(key));
    return rows[0] && toObject<T>(key.module, rows[0]);
  }

  async putObject<T = unknown>(object: StoredObject<T>, options: WriteOptions = {}): Promise<void> {
    const db = this.db();
    if (!options.deliveries?.length) {
      await this.write(db, object);
      return;
    }
    await db.transaction(async (tx) => {
      await this.write(tx, object);
      await this.enqueue(tx, options.deliveries!);
    });
  }

  private async write<T>(db: SqlClient, input: StoredObject<T>): Promise<StoredObject<T>> {
    const { object, instant, json } = normalizeObject(input);
    await db.query(
      `INSERT INTO ${this.objects} (module, country_code, party_id, id, last_updated, last_updated_text, data)
       VALUES ($1, $2, $3, $4, $5::timestamptz, $6, $7::jsonb)
       ON CONFLICT (module, country_code, party_id, id) DO UPDATE
       SET last_updated = EXCLUDED.last_updated, last_updated_text = EXCLUDED.last_updated_text, data = EXCLUDED.data`,
      [...keyParams(object), instant, object.last_updated, json],
    );
    return object;
  }

  async updateObject<T = unknown>(
    given: ObjectKey,
    change: (current: StoredObject<T> | undefined) => StoredObject<T> | undefined,
    options: WriteOptions = {},
  ): Promise<StoredObject<T> | undefined> {
    const db = this.db();
    const key = canonicalKey(given);
    return db.transaction(async (tx) => {
      const { row, placeholder } = await this.lock(tx, key);
      // `change` may mutate what it gets: give it its own copy of the data.
      const next = change(row && toObject<T>(key.module, { ...row, data: structuredClone(row.data) }));
      if (next === undefined) {
        if (placeholder) await tx.query(`DELETE FROM ${this.objects} WHERE ${KEY_MATCH}`, keyParams(key));
        return row && toObject<T>(key.module, row);
      }
      if (!sameKey(next, key)) throw keyMismatch();
      const written = await this.write(tx, next);
      if (options.deliveries?.length) await this.enqueue(tx, options.deliveries);
      return written;
    });
  }

  /**
   * Locks the key's row for this transaction. A missing row cannot be locked with FOR UPDATE, so it inserts a
   * placeholder (invisible to others until commit, and replaced or deleted before it): concurrent updaters of
   * the key then wait for this transaction too, and `change` runs exactly once.
   */
  private async lock(tx: SqlClient, key: ObjectKey): Promise<{ row?: ObjectRow; placeholder: boolean }> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const { rows } = await tx.query<ObjectRow>(`SELECT ${OBJECT_COLUMNS} FROM ${this.objects} WHERE ${KEY_MATCH} FOR UPDATE`, keyParams(key));
      if (rows[0]) return { row: rows[0], placeholder: false };
      const inserted = await tx.query(
        `INSERT INTO ${this.objects} (module, country_code, party_id, id, last_updated, last_updated_text, data)
         VALUES ($1, $2, $3, $4, '-infinity', '', 'null') ON CONFLICT DO NOTHING RETURNING id`,
        keyParams(key),
      );
      if (inserted.rows.length > 0) return { placeholder: true };
      // Another transaction created the row between the two statements: lock that one.
    }
    throw new Error("PostgresStore: updateObject could not lock its row (it keeps being created and deleted)");
  }

  async deleteObject(given: ObjectKey): Promise<boolean> {
    const db = this.db();
    const key = canonicalKey(given);
    const { rows } = await db.query(`DELETE FROM ${this.objects} WHERE ${KEY_MATCH} RETURNING id`, keyParams(key));
    return rows.length > 0;
  }

  async listObjects<T = unknown>(query: ObjectQuery): Promise<ObjectPage<T>> {
    const { rows, total } = await this.page<ObjectRow>(query, "p.data");
    return { items: rows.map((row) => toObject<T>(query.module, row)), total };
  }

  async listObjectsJson(query: ObjectQuery): Promise<{ items: StoredJson[]; total: number }> {
    // data::text is PostgreSQL's own serialisation of the jsonb: valid JSON, sent as it is.
    const { rows, total } = await this.page<Omit<ObjectRow, "data"> & { data: string }>(query, "p.data::text");
    const items = rows.map((row) => ({
      module: query.module,
      country_code: row.country_code,
      party_id: row.party_id,
      id: row.id,
      last_updated: row.last_updated_text,
      json: row.data,
    }));
    return { items, total };
  }

  /** One page and the total, from one statement (so both come from the same snapshot); `data` selects the data column. */
  private async page<R extends { id: string }>(query: ObjectQuery, data: string): Promise<{ rows: R[]; total: number }> {
    const db = this.db();
    const { from, to } = checkQuery(query);
    const params: unknown[] = [query.module];
    const where = ["module = $1"];
    const scope = partyScope(query);
    if (scope) {
      params.push(scope.country_code, scope.party_id);
      where.push(`country_code = $${params.length - 1} AND party_id = $${params.length}`);
    }
    if (from !== undefined) where.push(`last_updated >= $${params.push(from)}::timestamptz`);
    if (to !== undefined) where.push(`last_updated < $${params.push(to)}::timestamptz`);
    const filter = where.join(" AND ");
    const order = "last_updated, country_code, party_id, id";
    // The count row survives an empty page.
    const { rows } = await db.query<Partial<R> & { total: number }>(
      `SELECT c.total, p.country_code, p.party_id, p.id, p.last_updated_text, ${data} AS data
       FROM (SELECT count(*)::int AS total FROM ${this.objects} WHERE ${filter}) AS c
       LEFT JOIN LATERAL (
         SELECT last_updated, ${OBJECT_COLUMNS} FROM ${this.objects} WHERE ${filter}
         ORDER BY ${order} OFFSET $${params.push(query.offset)} LIMIT $${params.push(query.limit)}
       ) AS p ON true
       ORDER BY p.last_updated, p.country_code, p.party_id, p.id`,
      params,
    );
    return { rows: rows.filter((row): row is R & { total: number } => typeof row.id === "string"), total: rows[0]?.total ?? 0 };
  }

  async getParty(id: string): Promise<PartyRecord | undefined> {
    const { rows } = await this.db().query<{ data: PartyRecord }>(`SELECT data FROM ${this.parties} WHERE id = $1`, [id]);
    return rows[0]?.data;
  }

  async findPartyByToken(token: string): Promise<PartyRecord | undefined> {
    const { rows } = await this.db().query<{ data: PartyRecord }>(`SELECT data FROM ${this.parties} WHERE incoming_token = $1`, [token]);
    return rows[0]?.data;
  }

  async putParty(party: PartyRecord): Promise<void> {
    const db = this.db();
    const record = normalizeParty(party);
    try {
      await db.query(
        `INSERT INTO ${this.parties} (id, incoming_token, status, data) VALUES ($1, $2, $3, $4::jsonb)
         ON CONFLICT (id) DO UPDATE SET incoming_token = EXCLUDED.incoming_token, status = EXCLUDED.status,
           data = EXCLUDED.data, updated_at = now()`,
        [record.id, record.incomingToken, String(record.status), JSON.stringify(record)],
      );
    } catch (error) {
      // The only other unique key is the primary key, which ON CONFLICT handles.
      if (isUniqueViolation(error)) throw tokenTaken(undefined, error);
      throw error;
    }
  }

  async deleteParty(id: string): Promise<boolean> {
    const { rows } = await this.db().query(`DELETE FROM ${this.parties} WHERE id = $1 RETURNING id`, [id]);
    return rows.length > 0;
  }

  async listParties(): Promise<PartyRecord[]> {
    const { rows } = await this.db().query<{ data: PartyRecord }>(`SELECT data FROM ${this.parties} ORDER BY id`);
    return rows.map((row) => row.data);
  }

  async enqueueDeliveries(deliveries: NewDelivery[]): Promise<Delivery[]> {
    const db = this.db();
    if (deliveries.length === 0) return [];
    return db.transaction((tx) => this.enqueue(tx, deliveries));
  }

  /** Inserts deliveries in order, inside the caller's transaction; one replacing others drops them first. */
  private async enqueue(tx: SqlClient, deliveries: NewDelivery[]): Promise<Delivery[]> {
    const out: Delivery[] = [];
    for (const delivery of deliveries) {
      const { partyId, orderKey, operationId, version, params, body, url, replaces, to } = checkDelivery(delivery);
      if (replaces) {
        await tx.query(
          `DELETE FROM ${this.outbox} WHERE party = $1 AND order_key = $2 AND state = 'pending' AND (lease_until IS NULL OR lease_until <= now())`,
          [partyId, orderKey],
        );
      }
      const message = {
        operationId,
        version,
        ...(params ? { params } : {}),
        ...(body !== undefined ? { body } : {}),
        ...(url !== undefined ? { url } : {}),
        ...(replaces ? { replaces } : {}),
        ...(to !== undefined ? { to: { country_code: to.country_code, party_id: to.party_id } } : {}),
      };
      const { rows } = await tx.query<DeliveryRow>(
        `INSERT INTO ${this.outbox} (party, order_key, message) VALUES ($1, $2, $3::jsonb) RETURNING ${DELIVERY_COLUMNS}`,
        [partyId, orderKey, jsonText(message, "delivery")],
      );
      out.push(toDelivery(rows[0]!));
    }
    return out;
  }

  async claimDeliveries(request: { worker: string; limit: number; leaseMs: number; partyId?: string }): Promise<Delivery[]> {
    const db = this.db();
    checkClaim(request);
    const params: unknown[] = [request.worker, request.leaseMs, request.limit];
    const party = request.partyId === undefined ? "" : `AND o.party = $${params.push(request.partyId)}`;
    // SKIP LOCKED: a row another worker is claiming right now is left to it. A later delivery of a key waits while an
    // earlier one is pending (leased or not), which keeps each key's deliveries in order across workers; and a dead
    // letter sent again, first of its key, waits while a later one is being delivered: one at a time per key.
    const { rows } = await db.query<DeliveryRow>(
      `WITH claimable AS (
         SELECT o.seq FROM ${this.outbox} AS o
         WHERE o.state = 'pending' AND o.next_attempt_at <= now() AND (o.lease_until IS NULL OR o.lease_until <= now()) ${party}
           AND NOT EXISTS (
             SELECT 1 FROM ${this.outbox} AS e
             WHERE e.party = o.party AND e.order_key = o.order_key AND e.state = 'pending' AND (e.seq < o.seq OR e.lease_until > now())
           )
         ORDER BY o.seq LIMIT $3
         FOR UPDATE SKIP LOCKED
       )
       UPDATE ${this.outbox} AS d
       SET leased_by = $1, lease_until = now() + $2 * interval '1 millisecond', attempts = d.attempts + 1
       FROM claimable WHERE d.seq = claimable.seq
       RETURNING ${DELIVERY_COLUMNS.split(", ")
         .map((c) => `d.${c}`)
         .join(", ")}`,
      params,
    );
    return rows.map(toDelivery).sort((a, b) => a.seq - b.seq);
  }

  async finishDelivery(id: string, worker: string, outcome: DeliveryOutcome): Promise<boolean> {
    const db = this.db();
    if (typeof id !== "string" || !DELIVERY_ID.test(id)) return false;
    const held = "seq = $1 AND leased_by = $2 AND state = 'pending'";
    let result: { rows: unknown[] };
    if (outcome.state === "delivered") {
      result = await db.query(`DELETE FROM ${this.outbox} WHERE ${held} RETURNING seq`, [id, worker]);
    } else if (outcome.state === "retry") {
      result = await db.query(
        `UPDATE ${this.outbox} SET next_attempt_at = $3::timestamptz, last_failure = $4::jsonb, leased_by = NULL, lease_until = NULL
         WHERE ${held} RETURNING seq`,
        [id, worker, instantOf(outcome.nextAttemptAt), jsonText(outcome.failure, "failure")],
      );
    } else if (outcome.state === "dead") {
      result = await db.query(
        `UPDATE ${this.outbox} SET state = 'dead', last_failure = $3::jsonb, leased_by = NULL, lease_until = NULL
         WHERE ${held} RETURNING seq`,
        [id, worker, jsonText(outcome.failure, "failure")],
      );
    } else {
      throw new TypeError(`finishDelivery: unknown outcome ${JSON.stringify((outcome as { state?: unknown }).state)}`);
    }
    return result.rows.length > 0;
  }

  async listDeliveries(query: DeliveryQuery): Promise<{ items: Delivery[]; total: number }> {
    const db = this.db();
    checkDeliveryQuery(query);
    const params: unknown[] = [];
    const where = ["true"];
    if (query.partyId !== undefined) where.push(`party = $${params.push(query.partyId)}`);
    if (query.state !== undefined) where.push(`state = $${params.push(query.state)}`);
    const filter = where.join(" AND ");
    const [{ rows }, counted] = await Promise.all([
      db.query<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM ${this.outbox} WHERE ${filter} ORDER BY seq OFFSET $${params.length + 1} LIMIT $${params.length + 2}`,
        [...params, query.offset, query.limit],
      ),
      db.query<{ total: number }>(`SELECT count(*)::int AS total FROM ${this.outbox} WHERE ${filter}`, params),
    ]);
    return { items: rows.map(toDelivery), total: counted.rows[0]?.total ?? 0 };
  }

  async countDeliveries(): Promise<DeliveryCount[]> {
    const { rows } = await this.db().query<DeliveryCount>(
      `SELECT party AS "partyId", s AS state, count(*)::int AS count FROM (
         SELECT party, CASE WHEN state = 'dead' THEN 'dead' WHEN lease_until > now() THEN 'leased' ELSE 'pending' END AS s
         FROM ${this.outbox}
       ) AS d GROUP BY party, s ORDER BY party, s`,
    );
    return rows;
  }

  async retryDeadDeliveries(filter: { partyId?: string; ids?: string[] } = {}): Promise<number> {
    const db = this.db();
    const params: unknown[] = [];
    const where = ["state = 'dead'"];
    if (filter.partyId !== undefined) where.push(`party = $${params.push(filter.partyId)}`);
    if (filter.ids !== undefined) where.push(`seq = ANY($${params.push(filter.ids.filter((id) => DELIVERY_ID.test(id)))}::bigint[])`);
    const { rows } = await db.query(
      `UPDATE ${this.outbox} SET state = 'pending', attempts = 0, next_attempt_at = now() WHERE ${where.join(" AND ")} RETURNING seq`,
      params,
    );
    return rows.length;
  }

  async nextDeliveryAt(): Promise<string | undefined> {
    // Only the first pending delivery of each key can be claimed: the ones behind it wait for it, not for the clock.
    // The first of each key waits for its time and for any lease of its key.
    const { rows } = await this.db().query<{ at: Date | string | null }>(
      `SELECT min(GREATEST(h.next_attempt_at, g.lease_end)) AS at
       FROM (
         SELECT min(seq) AS head, max(COALESCE(lease_until, '-infinity')) AS lease_end
         FROM ${this.outbox} WHERE state = 'pending' GROUP BY party, order_key
       ) AS g JOIN ${this.outbox} AS h ON h.seq = g.head`,
    );
    const at = rows[0]?.at;
    return at === null || at === undefined ? undefined : iso(at);
  }

  /**
   * Stops using the SqlClient. A pool that connect() opened is ended; one the caller gave (or a PGlite) is the
   * caller's to end, who created it.
   */
  async close(): Promise<void> {
    this.closed = true;
    const end = this.end;
    this.end = undefined;
    await end?.();
  }
}
