/**
 * MemoryStore on Node.js file systems (`@ocpi-sdk/server/node`): the storages that keep it in a folder or a file,
 * and a MemoryStore that takes them as `{ directory }` and `{ file }`. Kept apart from ./memory.ts, which imports no
 * node: module and so bundles for any runtime.
 */
import { fileStorage } from "./file.js";
import { openJournal, type JournalOptions } from "./journal.js";
import { MemoryStore as AnyRuntimeMemoryStore, type JournalStorage, type MemoryStoreOptions } from "./memory.js";

export { fileStorage };

/** Options of {@link directoryStorage}. */
export type DirectoryStorageOptions = JournalOptions;

/**
 * A folder for a snapshot and an append-only journal, created if missing. Every change is one record appended to the
 * journal and flushed to disk (fdatasync) before its call resolves; changes made meanwhile share the next flush. The
 * journal is folded into a new snapshot once it outgrows it (and `compactionBytes`, default 4 MiB). A write costs the
 * same however much the store holds: the default for one process. One process at a time (a `lock` file holds its pid).
 */
export function directoryStorage(directory: string, options: DirectoryStorageOptions = {}): JournalStorage {
  return { description: directory, openJournal: (host) => openJournal(directory, host, options) };
}

/** The options of the Node.js MemoryStore: those of every runtime, and a folder or a file to keep it in. */
export interface NodeMemoryStoreOptions extends MemoryStoreOptions {
  /** A folder for a snapshot and an append-only journal: `storage: directoryStorage(directory, { compactionBytes })`. */
  directory?: string;
  /** With `directory`: the journal is compacted once it is larger than this and than the snapshot. Default 4 MiB. */
  compactionBytes?: number;
  /**
   * A JSON file to load at open() and rewrite (atomically) after every change, `storage: fileStorage(file)`: for small
   * data, as every write costs a rewrite of everything (about 140 writes/s at 1,000 objects, 3/s at 50,000).
   * `storage` takes precedence over it.
   */
  file?: string;
}

/** The options of every runtime that `options` stand for. */
function withStorage({ directory, compactionBytes, file, ...options }: NodeMemoryStoreOptions): MemoryStoreOptions {
  if (directory !== undefined && (file !== undefined || options.storage !== undefined)) {
    throw new TypeError("MemoryStore: give a directory, or a file or storage, not both");
  }
  if (directory !== undefined) return { ...options, storage: directoryStorage(directory, compactionBytes === undefined ? {} : { compactionBytes }) };
  if (file !== undefined && options.storage === undefined) return { ...options, storage: fileStorage(file) };
  return options;
}

/**
 * The MemoryStore of `@ocpi-sdk/server`, which also takes `{ directory }` (a snapshot and a journal in a folder: the
 * default for one process) and `{ file }` (one JSON snapshot file, for small data).
 */
export class MemoryStore extends AnyRuntimeMemoryStore {
  constructor(options: NodeMemoryStoreOptions = {}) {
    super(withStorage(options));
  }

  /** Creates and opens a store. */
  static override async open(options: NodeMemoryStoreOptions = {}): Promise<MemoryStore> {
    const store = new MemoryStore(options);
    await store.open();
    return store;
  }
}
