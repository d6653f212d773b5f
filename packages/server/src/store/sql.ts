/**
 * The little PostgresStore needs from a PostgreSQL driver, with adapters for node-postgres (`pg`) and PGlite.
 * Neither driver is imported, not even for its types: the adapters take the few methods they call (a `pg` Pool and a
 * PGlite database fit them), so `@ocpi-sdk/server` compiles and runs without either installed. Both are optional
 * peer dependencies; `connectPg` is the one place that loads `pg`, when it is called.
 */

export interface SqlClient {
  /** Runs one statement; `$1`, `$2`, ... refer to `params`. */
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it rejects. Every statement of the
   * transaction must go through `tx`. Nested calls on `tx` become savepoints.
   */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
}

/** What `fromPgPool` calls of a node-postgres `Pool` (a `pg.Pool` is one). */
export interface PgPool {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  connect(): Promise<PgPoolClient>;
}

/** What `fromPgPool` calls of a connection taken from a `pg.Pool` (a `pg.PoolClient` is one). */
export interface PgPoolClient {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  /** Returns the connection to the pool; with an error, destroys it instead. */
  release(error?: Error | boolean): void;
}

/** What `fromPglite` calls of a PGlite database (a `PGlite` is one). */
export interface PgliteDatabase {
  query<R>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  transaction<T>(fn: (tx: { query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }> }) => Promise<T>): Promise<T>;
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
export function fromPgPool(pool: PgPool): SqlClient {
  return {
    async query<R>(text: string, params?: unknown[]) {
      const result = await pool.query(text, params);
      return { rows: result.rows as R[] };
    },

    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      const connection = await pool.connect();
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
export function fromPglite(db: PgliteDatabase): SqlClient {
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

/** The options of a node-postgres `Pool` (`connectionString`, `max`, `ssl`, ...: see node-postgres' documentation). */
export interface PgPoolConfig {
  connectionString?: string;
  max?: number;
  [option: string]: unknown;
}

/** A node-postgres pool as a SqlClient, and the way to end it. */
export interface PgConnection extends SqlClient {
  /** Ends the pool: closes its connections. */
  end(): Promise<void>;
}

type PgModule = { Pool: new (config: PgPoolConfig) => PgPool & { end(): Promise<void> } };

/**
 * Opens a node-postgres pool (a connection string, or the Pool's options). `pg` is loaded only now: it is an optional
 * peer dependency of `@ocpi-sdk/server`, which the application installs (`npm install pg`) when it uses PostgreSQL.
 */
export async function connectPg(config: string | PgPoolConfig): Promise<PgConnection> {
  const pg = await loadOptional<PgModule & { default?: PgModule }>("pg", "The PostgreSQL store (PostgresStore.connect, connectPg)");
  const { Pool } = pg.default ?? pg;
  const pool = new Pool(typeof config === "string" ? { connectionString: config } : config);
  return { ...fromPgPool(pool), end: () => pool.end() };
}

/** Imports an optional peer dependency, or says which package to install when it is missing. */
async function loadOptional<T>(name: string, feature: string): Promise<T> {
  try {
    // A specifier in a variable: bundlers leave it alone, so a bundle of an application that never calls this
    // does not need the package.
    const specifier = name;
    return (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as T;
  } catch (error) {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    if ((code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && typeof message === "string" && message.includes(`'${name}'`)) {
      throw new Error(
        `${feature} needs the "${name}" package, an optional peer dependency of @ocpi-sdk/server that is not installed: run \`npm install ${name}\`.`,
        { cause: error },
      );
    }
    throw error;
  }
}
