/** HTTP headers OCPI defines. */
export const OcpiHeaders = {
  RequestId: "X-Request-ID",
  CorrelationId: "X-Correlation-ID",
  TotalCount: "X-Total-Count",
  Limit: "X-Limit",
  Link: "Link",
  Location: "Location",
  ToPartyId: "OCPI-to-party-id",
  ToCountryCode: "OCPI-to-country-code",
  FromPartyId: "OCPI-from-party-id",
  FromCountryCode: "OCPI-from-country-code",
} as const;

/** A party, as the routing headers and credentials roles name it. */
export interface PartyId {
  country_code: string;
  party_id: string;
}

/** The hub routing headers of a request: who it is from and who it is for. */
export interface RoutingHeaders {
  from?: PartyId;
  to?: PartyId;
}

/** The `OCPI-from-*` and `OCPI-to-*` headers for the parties given (none for a party left out). */
export function routingHeaders({ from, to }: RoutingHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  if (from) {
    headers[OcpiHeaders.FromCountryCode] = from.country_code;
    headers[OcpiHeaders.FromPartyId] = from.party_id;
  }
  if (to) {
    headers[OcpiHeaders.ToCountryCode] = to.country_code;
    headers[OcpiHeaders.ToPartyId] = to.party_id;
  }
  return headers;
}

/** Reads the routing headers of a request or response. */
export function readRoutingHeaders(headers: Headers): RoutingHeaders {
  const party = (country: string | null, party: string | null) => (country && party ? { country_code: country, party_id: party } : undefined);
  const from = party(headers.get(OcpiHeaders.FromCountryCode), headers.get(OcpiHeaders.FromPartyId));
  const to = party(headers.get(OcpiHeaders.ToCountryCode), headers.get(OcpiHeaders.ToPartyId));
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

/** A new request id (a UUID, as OCPI advises). */
export const newRequestId = (): string => crypto.randomUUID();
