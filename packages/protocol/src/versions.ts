/** Orders OCPI version numbers numerically (2.1.1 < 2.2 < 2.2.1 < 2.3.0 < 2.10). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The OCPI versions this SDK implements, lowest first: the one list every package derives its own from (the
 * generated client bindings and server routes are checked against it when they are compiled).
 */
export const OCPI_VERSIONS = ["2.1.1", "2.2.1", "2.3.0"] as const;

/** An OCPI version this SDK implements. */
export type OcpiVersion = (typeof OCPI_VERSIONS)[number];

/** Whether a string names a version this SDK implements. */
export function isOcpiVersion(value: unknown): value is OcpiVersion {
  return (OCPI_VERSIONS as readonly unknown[]).includes(value);
}
