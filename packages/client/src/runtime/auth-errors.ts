/**
 * Which answers mean "the peer did not accept our token". The spec says HTTP 401; peers in the field also answer
 * 403, or 500 (or even 200) with an OCPI 2000 "Unauthorized" body. Such an answer is an auth error, never retried.
 */
import { OcpiStatus, type AuthErrorRules, type OcpiEnvelope } from "@ocpi-sdk/protocol";

/** Messages of a generic OCPI client error (2000) that speak of a refused token. */
export const DEFAULT_AUTH_MESSAGE =
  /\b(?:unauthori[sz]ed|not authori[sz]ed|forbidden|unauthenticated|authentication|(?:invalid|unknown|missing|wrong|expired|bad|no)\s+(?:or\s+\w+\s+)?(?:auth\w*\s+)?token|token\s+(?:is\s+)?(?:invalid|unknown|missing|expired|not\s+(?:found|valid|accepted)))\b/i;

/**
 * Whether an answer is an auth error: HTTP 401 or 403; or an OCPI status the profile names; or OCPI 2000 with a
 * message about the token (the profile's `messagePattern`, or the default one).
 */
export function isAuthError(httpStatus: number, envelope: Pick<OcpiEnvelope, "status_code" | "status_message"> | undefined, rules?: AuthErrorRules): boolean {
  if (httpStatus === 401 || httpStatus === 403) return true;
  if (!envelope) return false;
  if (rules?.statusCodes?.includes(envelope.status_code)) return true;
  if (envelope.status_code !== OcpiStatus.ClientError || typeof envelope.status_message !== "string") return false;
  const pattern = rules?.messagePattern !== undefined ? new RegExp(rules.messagePattern, "i") : DEFAULT_AUTH_MESSAGE;
  return pattern.test(envelope.status_message);
}
