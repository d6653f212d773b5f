import { OcpiStatus } from "./status.js";

/** The envelope every OCPI response body is wrapped in. */
export interface OcpiEnvelope<T = unknown> {
  data?: T;
  status_code: number;
  status_message?: string;
  timestamp: string;
}

/** An OCPI DateTime for a moment: UTC, second precision, with `Z`. */
export function toOcpiDateTime(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The envelope of a response: `data` left out when undefined, the timestamp `now` as an OCPI DateTime. */
export function envelope<T>(data: T | undefined, statusCode: number = OcpiStatus.Success, statusMessage?: string, now = new Date()): OcpiEnvelope<T> {
  const body: OcpiEnvelope<T> = { status_code: statusCode, timestamp: toOcpiDateTime(now) };
  if (data !== undefined) body.data = data;
  if (statusMessage !== undefined) body.status_message = statusMessage;
  return body;
}

/** Whether a parsed body has the envelope's shape (a numeric status_code and a timestamp). */
export function isEnvelope(body: unknown): body is OcpiEnvelope {
  return (
    typeof body === "object" && body !== null && typeof (body as OcpiEnvelope).status_code === "number" && typeof (body as OcpiEnvelope).timestamp === "string"
  );
}
