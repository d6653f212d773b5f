/**
 * The little PostgresStore needs from a PostgreSQL driver, with adapters for node-postgres (`pg`) and PGlite.
 * Both are imported as types only, so neither is loaded unless the application passes one in.
 */
import type { Pool, PoolClient } from "pg";
import type { PGlite } from "@electric-sql/pglite";

export interface SqlClient {
  /** Runs one statement; `$1`, `$2`, ... refer to `params`. */
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it rejects. Every statement of the
   * transaction must go through `tx`. Nested calls on `tx` become savepoints.
   */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
}

type Run = (text: string, params?: unknown[]) => Promise<{ rows: unknown[] }>;

/** The client inside a transaction: its own transactions are savepoints, so a failing one undoes only itself. */
function transactionClient(run: Run): SqlClient {
  let savepoints = 0;
  const tx: SqlClient = {
    query: async <R>(text: string, params?: unknown[]) => ({ rows: (await run(text, params)).rows as R[] }),
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      const name = `ocpi_sp_${++savepoints}`;
      await run(`SAVEPOINT ${name}`);
      let result: T;
      try {
        result = await fn(tx);
      } catch (error) {
        await run(`ROLLBACK TO SAVEPOINT ${name}`);
        throw error;
      }
      await run(`RELEASE SAVEPOINT ${name}`);
      return result;
    },
  };
  return tx;
}

/** A node-postgres pool. Transactions take one connection: BEGIN, COMMIT or ROLLBACK, release. */
export function fromPgPool(pool: Pool): SqlClient {
  return {
    async query<R>(text: string, params?: unknown[]) {
      const result = await pool.query(text, params);
      return { rows: result.rows as R[] };
    },

    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      const connection: PoolClient = await pool.connect();
      // A connection whose ROLLBACK failed is in an unknown state: destroy it rather than return it to the pool.
      let broken: Error | undefined;
      try {
        await connection.query("BEGIN");
        const result = await fn(transactionClient((text, params) => connection.query(text, params)));
        await connection.query("COMMIT");
        return result;
      } catch (error) {
        try {
          await connection.query("ROLLBACK");
        } catch (rollbackError) {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
        throw error;
      } finally {
        connection.release(broken);
      }
    },
  };
}

/** A PGlite database (in-process PostgreSQL). */
export function fromPglite(db: Pick<PGlite, "query" | "transaction">): SqlClient {
  return {
    async query<R>(text: string, params?: unknown[]) {
      const result = await db.query<R>(text, params);
      return { rows: result.rows };
    },

    transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      return db.transaction((tx) => fn(transactionClient((text, params) => tx.query(text, params))));
    },
  };
}
