// Compile-time tests: the drivers' own types fit the small interfaces the adapters take, so the server's types need
// neither `pg` nor PGlite installed and still accept both.
import type { PGlite, Transaction } from "@electric-sql/pglite";
import type pg from "pg";
import { describe, expectTypeOf, test } from "vitest";
import type { PgliteDatabase, PgPool, PgPoolClient } from "./sql.js";
import { fromPglite, fromPgPool } from "./sql.js";

describe("SqlClient adapters", () => {
  test("a pg Pool and its connections fit", () => {
    expectTypeOf<pg.Pool>().toExtend<PgPool>();
    expectTypeOf<pg.PoolClient>().toExtend<PgPoolClient>();
    expectTypeOf(fromPgPool).toBeCallableWith({} as pg.Pool);
  });

  test("a PGlite database and its transactions fit", () => {
    expectTypeOf<PGlite>().toExtend<PgliteDatabase>();
    expectTypeOf<Transaction>().toExtend<Parameters<Parameters<PgliteDatabase["transaction"]>[0]>[0]>();
    expectTypeOf(fromPglite).toBeCallableWith({} as PGlite);
  });

  test("anything else does not", () => {
    // @ts-expect-error: no connect()
    fromPgPool({ query: async () => ({ rows: [] }) });
    // @ts-expect-error: no transaction()
    fromPglite({ query: async () => ({ rows: [] }) });
  });
});
