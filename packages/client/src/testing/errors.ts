import type { OcpiError } from "../runtime/errors.js";

/**
 * The OcpiError a call fails with; fails the test if it succeeds or throws something else. Recognised by name, so
 * that errors of the built package (as the server's tests see them) count too.
 */
export async function errorOf(promise: Promise<unknown>): Promise<OcpiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error && error.name === "OcpiError") return error as OcpiError;
    throw error;
  }
  throw new Error("expected an OcpiError");
}
