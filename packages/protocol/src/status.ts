/** OCPI status codes (the envelope's `status_code`): 1xxx success, 2xxx client, 3xxx server, 4xxx hub errors. */
export const OcpiStatus = {
  Success: 1000,
  ClientError: 2000,
  InvalidOrMissingParameters: 2001,
  NotEnoughInformation: 2002,
  UnknownLocation: 2003,
  UnknownToken: 2004,
  ServerError: 3000,
  UnableToUseClientApi: 3001,
  UnsupportedVersion: 3002,
  NoMatchingEndpoints: 3003,
  HubError: 4000,
  UnknownReceiver: 4001,
  ForwardTimeout: 4002,
  ConnectionProblem: 4003,
} as const;

/** One of the status codes in {@link OcpiStatus}. */
export type OcpiStatusCode = (typeof OcpiStatus)[keyof typeof OcpiStatus];

/** Whether a status code is a success (1xxx). */
export const isSuccessStatus = (code: number): boolean => code >= 1000 && code < 2000;

/** Which class a status code belongs to. */
export function statusClass(code: number): "success" | "client" | "server" | "hub" | "unknown" {
  if (code >= 1000 && code < 2000) return "success";
  if (code >= 2000 && code < 3000) return "client";
  if (code >= 3000 && code < 4000) return "server";
  if (code >= 4000 && code < 5000) return "hub";
  return "unknown";
}
