/**
 * MemoryStore's snapshot in a file (Node.js), for small data: every change rewrites the whole file. Kept apart so
 * the store itself needs no node: modules. ./journal.ts is the one whose writes do not grow with the data.
 */
import { mkdir, open, readFile, rename } from "node:fs/promises";
import path from "node:path";
import type { SnapshotStorage } from "./memory.js";

/**
 * A JSON file for a MemoryStore's snapshot, created (with its folder) at the first write and replaced atomically at
 * each: for small data, as every write rewrites everything. `directoryStorage` is the one for more.
 */
export function fileStorage(file: string): SnapshotStorage {
  const directory = path.dirname(path.resolve(file));
  return {
    description: file,

    async read() {
      await mkdir(directory, { recursive: true });
      try {
        return await readFile(file, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },

    // Write a temporary file, flush it to disk, then rename it over the snapshot: a crash at any point leaves
    // either the old snapshot or the new one.
    async write(text) {
      const temporary = `${file}.tmp`;
      const handle = await open(temporary, "w");
      try {
        await handle.writeFile(text, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, file);
      await syncDirectory(directory);
    },
  };
}

/** Makes a rename or a new file durable. Not every platform can open a directory (Windows cannot): best effort. */
export async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, "r");
    await handle.sync();
  } catch {
    // The data is in the file already; only a power loss could still undo the rename.
  } finally {
    await handle?.close();
  }
}
