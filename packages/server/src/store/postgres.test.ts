// PostgresStore: the Store contract on PGlite (real PostgreSQL in process), its migrations and its SqlClient
// adapters; and, when DATABASE_URL is set, the contract on a PostgreSQL server through node-postgres.
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { outboxContract, storeContract } from "./contract.js";
import { migrate, migrations, PostgresStore } from "./postgres.js";
import { fromPglite, fromPgPool, type SqlClient } from "./sql.js";
import type { Store } from "./store.js";

// One PGlite for the whole file (each costs seconds and hundreds of MB); every store gets a schema of its own.
const db = new PGlite();
const sql = fromPglite(db);
afterAll(() => db.close());

let schemas = 0;
const freshSchema = (prefix = "contract") => `${prefix}_${++schemas}`;
const dropSchema = (client: SqlClient) => async (store: Store) => {
  await client.query(`DROP SCHEMA "${(store as PostgresStore).schema}" CASCADE`);
};

storeContract("PostgresStore on PGlite", () => PostgresStore.open(sql, { schema: freshSchema() }), dropSchema(sql));
outboxContract("PostgresStore's outbox on PGlite", () => PostgresStore.open(sql, { schema: freshSchema("outbox") }), {
  cleanup: dropSchema(sql),
  reopen: async (store) => {
    await store.close();
    return PostgresStore.open(sql, { schema: (store as PostgresStore).schema! });
  },
});

const versions = async (client: SqlClient, schema: string) =>
  (await client.query<{ version: number; name: string }>(`SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`)).rows;

const object = { module: "locations", country_code: "NL", party_id: "EXM", id: "1", last_updated: "2024-01-01T00:00:00", data: {} };

describe("PostgresStore migrations", () => {
  it("applies every migration once and records its version", async () => {
    const schema = freshSchema("migrations");
    expect(await migrate(sql, { schema })).toEqual(migrations.map((m) => m.version));
    expect(await versions(sql, schema)).toEqual(migrations.map(({ version, name }) => ({ version, name })));
    expect(await migrate(sql, { schema })).toEqual([]);
  });

  it("applies nothing twice when opened again, and keeps the data", async () => {
    const schema = freshSchema("reopen");
    const first = await PostgresStore.open(sql, { schema });
    await first.putObject(object);
    await first.close();
    const second = await PostgresStore.open(sql, { schema });
    expect(await versions(sql, schema)).toHaveLength(migrations.length);
    expect(await second.getObject(object)).toEqual(object);
  });

  it("lets stores opening at once migrate once", async () => {
    const schema = freshSchema("race");
    const applied = await Promise.all(Array.from({ length: 3 }, () => migrate(sql, { schema })));
    expect(applied.flat()).toEqual(migrations.map((m) => m.version));
    expect(await versions(sql, schema)).toHaveLength(migrations.length);
  });

  it("creates the tables and indexes it describes", async () => {
    const schema = freshSchema("tables");
    await PostgresStore.open(sql, { schema });
    const { rows } = await sql.query<{ indexname: string; indexdef: string }>(
      "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname",
      [schema],
    );
    expect(rows.map((r) => r.indexname)).toEqual([
      "ocpi_objects_list",
      "ocpi_objects_party_list",
      "ocpi_objects_pkey",
      "ocpi_outbox_due",
      "ocpi_outbox_order",
      "ocpi_outbox_pkey",
      "ocpi_parties_incoming_token_key",
      "ocpi_parties_pkey",
      "schema_migrations_pkey",
    ]);
    expect(rows.find((r) => r.indexname === "ocpi_objects_list")?.indexdef).toContain("(module, last_updated, country_code, party_id, id)");
  });

  it("refuses a database migrated by newer code", async () => {
    const schema = freshSchema("newer");
    await migrate(sql, { schema });
    await sql.query(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES (999, 'from the future')`);
    await expect(PostgresStore.open(sql, { schema })).rejects.toThrow(/migration 999, newer than this code/);
  });

  it("refuses a schema_migrations table of another tool", async () => {
    const schema = freshSchema("foreign");
    await sql.query(`CREATE SCHEMA "${schema}"`);
    await sql.query(`CREATE TABLE "${schema}".schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL)`);
    await sql.query(`INSERT INTO "${schema}".schema_migrations VALUES (1, false)`);
    await expect(PostgresStore.open(sql, { schema })).rejects.toThrow(/belongs to another tool/);
    expect((await sql.query(`SELECT to_regclass('"${schema}".ocpi_objects') AS t`)).rows).toEqual([{ t: null }]);
  });

  it.each(['a"b', "Upper", "1starts_with_digit", "with space", "x; DROP TABLE y", "", "a".repeat(64)])(
    "rejects the schema name %j before running any SQL",
    async (schema) => {
      let queries = 0;
      const counting: SqlClient = {
        query: (text, params) => (queries++, sql.query(text, params)),
        transaction: (fn) => (queries++, sql.transaction(fn)),
      };
      await expect(PostgresStore.open(counting, { schema })).rejects.toThrow(RangeError);
      expect(queries).toBe(0);
    },
  );

  it("puts keys of rows written before migration 2 in canonical form, keeping the newest of each key", async () => {
    const schema = freshSchema("canonical");
    const v1 = migrations.find((m) => m.version === 1)!;
    await sql.transaction(async (tx) => {
      await tx.query(`CREATE SCHEMA "${schema}"`);
      await tx.query(`SET LOCAL search_path TO "${schema}"`);
      await tx.query("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
      for (const statement of v1.statements) await tx.query(statement);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES (1, $1)", [v1.name]);
    });
    const rows: [string, string, string, string, string, string][] = [
      ["locations", "Nl", "Exm", "Loc-1", "2023-12-31T00:00:00Z", "oldest"],
      ["locations", "NL", "EXM", "LOC-1", "2024-01-02T00:00:00Z", "newest"],
      ["locations", "nl", "exm", "loc-1", "2024-01-01T00:00:00Z", "middle"],
      // A tie: the one whose key sorts last (by code point) is kept, as MemoryStore keeps the later one of its snapshot.
      ["locations", "NL", "EXM", "LOC-2", "2024-01-01T00:00:00Z", "tie, first"],
      ["locations", "nl", "exm", "loc-2", "2024-01-01T01:00:00+01:00", "tie, later"],
      ["locations", "de", "abc", "x", "2024-01-01T00:00:00Z", "alone"],
      ["locations", "ÄÖ", "straße", "é", "2024-01-01T00:00:00Z", "not ASCII"],
      ["tariffs", "nl", "exm", "loc-1", "2024-01-01T00:00:00Z", "another module"],
    ];
    for (const [module, country_code, party_id, id, last_updated, name] of rows) {
      await sql.query(
        `INSERT INTO "${schema}".ocpi_objects (module, country_code, party_id, id, last_updated, last_updated_text, data)
         VALUES ($1, $2, $3, $4, $5::timestamptz, $6::text, $7::jsonb)`,
        [module, country_code, party_id, id, last_updated, last_updated, JSON.stringify({ country_code, party_id, id, name })],
      );
    }
    const store = await PostgresStore.open(sql, { schema });
    expect(await versions(sql, schema)).toEqual(migrations.map(({ version, name }) => ({ version, name })));
    const { rows: stored } = await sql.query<{ key: string; name: string }>(
      `SELECT module || '/' || country_code || '/' || party_id || '/' || id AS key, data->>'name' AS name
       FROM "${schema}".ocpi_objects`,
    );
    expect(stored.sort((a, b) => (a.key < b.key ? -1 : 1))).toEqual([
      { key: "locations/DE/ABC/X", name: "alone" },
      { key: "locations/NL/EXM/LOC-1", name: "newest" },
      { key: "locations/NL/EXM/LOC-2", name: "tie, later" },
      { key: "locations/ÄÖ/STRAßE/é", name: "not ASCII" },
      { key: "tariffs/NL/EXM/LOC-1", name: "another module" },
    ]);
    // The data is as it was stored; the key is found in any case.
    expect(await store.getObject({ module: "locations", country_code: "nl", party_id: "Exm", id: "loc-2" })).toEqual({
      module: "locations",
      country_code: "NL",
      party_id: "EXM",
      id: "LOC-2",
      last_updated: "2024-01-01T01:00:00+01:00",
      data: { country_code: "nl", party_id: "exm", id: "loc-2", name: "tie, later" },
    });
    expect((await store.listObjects({ module: "locations", country_code: "de", party_id: "ABC", offset: 0, limit: 10 })).total).toBe(1);
  });

  it("uses the search_path without a schema", async () => {
    const store = await PostgresStore.open(sql);
    await store.putObject(object);
    const { rows } = await sql.query("SELECT last_updated_text FROM public.ocpi_objects");
    expect(rows).toEqual([{ last_updated_text: "2024-01-01T00:00:00" }]);
    expect(store.schema).toBeUndefined();
    await sql.query("DROP TABLE public.ocpi_objects, public.ocpi_parties, public.schema_migrations");
  });
});

describe("PostgresStore columns", () => {
  it("stores last_updated as a UTC instant whatever the session's time zone, and the text as given", async () => {
    const schema = freshSchema("zones");
    const store = await PostgresStore.open(sql, { schema });
    await sql.query("SET TIME ZONE 'America/New_York'");
    try {
      await store.putObject({ ...object, id: "NO-ZONE", last_updated: "2024-07-01T12:00:00.1234567" });
      await store.putObject({ ...object, id: "OFFSET", last_updated: "2024-07-01T14:00:00+02:00" });
      const { rows } = await sql.query<{ id: string; utc: string; last_updated_text: string }>(
        `SELECT id, to_char(last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS utc, last_updated_text
         FROM "${schema}".ocpi_objects ORDER BY id`,
      );
      expect(rows).toEqual([
        { id: "NO-ZONE", utc: "2024-07-01T12:00:00.123457", last_updated_text: "2024-07-01T12:00:00.1234567" },
        { id: "OFFSET", utc: "2024-07-01T12:00:00.000000", last_updated_text: "2024-07-01T14:00:00+02:00" },
      ]);
      const page = await store.listObjects({ module: "locations", date_from: "2024-07-01T12:00:00", offset: 0, limit: 10 });
      expect(page.items.map((o) => o.id)).toEqual(["OFFSET", "NO-ZONE"]);
    } finally {
      await sql.query("SET TIME ZONE 'UTC'");
    }
  });

  it("stays usable by nothing after close, leaving the client open", async () => {
    const store = await PostgresStore.open(sql, { schema: freshSchema("closed") });
    await store.close();
    await expect(store.getObject(object)).rejects.toThrow(/closed/);
    expect((await sql.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });
});

/** What every SqlClient adapter must do; run on PGlite here and on a server below. */
function sqlClientContract(name: string, client: () => SqlClient) {
  describe(name, () => {
    const table = `sql_${++schemas}`;

    it("runs parameterised queries", async () => {
      const { rows } = await client().query<{ n: number; s: string }>("SELECT $1::int + 1 AS n, $2::text AS s", [41, "x'y"]);
      expect(rows).toEqual([{ n: 42, s: "x'y" }]);
    });

    it("commits a transaction that resolves and rolls back one that rejects", async () => {
      const c = client();
      await c.query(`CREATE TABLE ${table} (n int)`);
      try {
        expect(await c.transaction(async (tx) => (await tx.query(`INSERT INTO ${table} VALUES (1)`), "done"))).toBe("done");
        await expect(
          c.transaction(async (tx) => {
            await tx.query(`INSERT INTO ${table} VALUES (2)`);
            throw new Error("undo");
          }),
        ).rejects.toThrow("undo");
        await expect(c.transaction((tx) => tx.query(`INSERT INTO ${table} VALUES ('not a number')`))).rejects.toThrow();
        expect((await c.query(`SELECT n FROM ${table} ORDER BY n`)).rows).toEqual([{ n: 1 }]);
      } finally {
        await c.query(`DROP TABLE ${table}`);
      }
    });

    it("makes nested transactions savepoints", async () => {
      const c = client();
      await c.query(`CREATE TABLE ${table} (n int)`);
      try {
        await c.transaction(async (tx) => {
          await tx.query(`INSERT INTO ${table} VALUES (1)`);
          await expect(
            tx.transaction(async (inner) => {
              await inner.query(`INSERT INTO ${table} VALUES (2)`);
              throw new Error("undo inner");
            }),
          ).rejects.toThrow("undo inner");
          await tx.transaction((inner) => inner.query(`INSERT INTO ${table} VALUES (3)`));
        });
        expect((await c.query(`SELECT n FROM ${table} ORDER BY n`)).rows).toEqual([{ n: 1 }, { n: 3 }]);
      } finally {
        await c.query(`DROP TABLE ${table}`);
      }
    });
  });
}

sqlClientContract("fromPglite", () => sql);

// A real PostgreSQL server, e.g. DATABASE_URL=postgres://user:password@localhost:5432/db
describe.skipIf(!process.env.DATABASE_URL)("PostgreSQL server (DATABASE_URL)", () => {
  let pool: pg.Pool | undefined;
  const server = (): SqlClient => fromPgPool((pool ??= new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 })));
  // Unique per run, so runs sharing a database do not collide.
  const run = `${process.pid}_${Date.now().toString(36)}`;
  afterAll(async () => {
    await pool?.end();
  });

  storeContract(
    "PostgresStore on a server",
    () => PostgresStore.open(server(), { schema: freshSchema(`ocpi_test_${run}`) }),
    (store) => dropSchema(server())(store),
  );
  outboxContract("PostgresStore's outbox on a server", () => PostgresStore.open(server(), { schema: freshSchema(`ocpi_test_${run}_outbox`) }), {
    cleanup: (store) => dropSchema(server())(store),
  });

  sqlClientContract("fromPgPool", server);

  it("connects with a connection string (loading pg itself), and stops on close", async () => {
    const schema = freshSchema(`ocpi_test_${run}_connect`);
    const store = await PostgresStore.connect(process.env.DATABASE_URL!, { schema });
    try {
      await store.putObject(object);
      expect(await store.getObject(object)).toEqual(object);
    } finally {
      await store.close();
      await server().query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
    await expect(store.getObject(object)).rejects.toThrow("PostgresStore is closed");
  });

  it("migrates once when stores open at once on separate connections", async () => {
    const schema = freshSchema(`ocpi_test_${run}_race`);
    try {
      const applied = await Promise.all(Array.from({ length: 5 }, () => migrate(server(), { schema })));
      expect(applied.flat()).toEqual(migrations.map((m) => m.version));
    } finally {
      await server().query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });
});
