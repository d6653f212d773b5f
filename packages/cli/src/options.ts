/** Option parsers shared by the commands: a bad value is a commander InvalidArgumentError (exit code 2). */
import { InvalidArgumentError, Option } from "commander";
// Light imports only: every `ocpi` run loads this file, and `ocpi generate` must stay fast.
import { isOcpiDateTime, isOcpiVersion, OCPI_VERSIONS, type OcpiVersion } from "@ocpi-sdk/protocol";

/** A whole number within [min, max]. */
export function integer(min: number, max: number = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    return n;
  };
}

/** An absolute http(s) URL. */
export function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("must be an absolute URL, e.g. https://ocpi.example.com/ocpi/versions");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InvalidArgumentError("must be an http or https URL");
  return value;
}

/** An OCPI DateTime (`2024-06-01T00:00:00Z`), as `--since` takes it. */
export function dateTime(value: string): string {
  // The spec's form, on a day that exists.
  if (!isOcpiDateTime(value) || !isCalendarDay(value)) {
    throw new InvalidArgumentError("must be an OCPI DateTime in UTC, e.g. 2024-06-01T00:00:00Z");
  }
  return value;
}

/** `CC-PID` or `CC/PID`: a country_code and a party_id. */
export function partyIdentity(value: string): { country_code: string; party_id: string } {
  const match = /^([A-Za-z]{2})[-/*]?([A-Za-z0-9]{3})$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError("must be a country code and a party id, e.g. NL-ABC");
  return { country_code: match[1]!.toUpperCase(), party_id: match[2]!.toUpperCase() };
}

/** `--version <version>`, one of the OCPI versions the CLI knows. */
export const versionOption = (description: string, defaultValue?: string) => {
  const option = new Option("--version <version>", description).choices(OCPI_VERSIONS);
  return defaultValue === undefined ? option : option.default(defaultValue);
};

/** `--role cpo|emsp`. */
export const roleOption = (description: string, defaultValue?: string) => {
  const option = new Option("--role <role>", description).choices(["cpo", "emsp"]);
  return defaultValue === undefined ? option : option.default(defaultValue);
};

/** `2.2.1` or a comma-separated list `2.1.1,2.2.1`, each a known OCPI version. */
export function versionList(value: string): OcpiVersion[] {
  const versions = value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
  const unknown = versions.filter((v) => !isOcpiVersion(v));
  if (!versions.length || unknown.length) throw new InvalidArgumentError(`must be one or more of ${OCPI_VERSIONS.join(", ")} (comma-separated)`);
  return [...new Set(versions)] as OcpiVersion[];
}

/** Whether the date part of a DateTime names a day of the calendar (no February 30). */
function isCalendarDay(value: string): boolean {
  const [y, m, d] = value.slice(0, 10).split("-").map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}
