/**
 * Which identities (role, country_code, party_id) a peer may take. Identity comes from what the application granted
 * a token, never from a Credentials body alone: a peer registering or updating its credentials may only claim
 * identities no other party holds, HUB only where the application granted it, and a PUT may not change the parties
 * it speaks for unless the application approves.
 */
import { canonicalCiString, sameCiString } from "@ocpi-sdk/protocol";
import type { PartyIdentity, PartyRecord, PeerRole } from "../store/store.js";

/** What the application is asked about one registration or credentials update. */
export interface RegistrationRequest {
  /** The party as stored before the request (its `allowedRoles`, its current roles on an update). */
  party: PartyRecord;
  /** The roles the peer's Credentials claim. */
  requested: PeerRole[];
  /** `register`: a POST with Token A (or our own registration with a peer); `update`: a PUT from a registered peer. */
  kind: "register" | "update";
}

/**
 * The application's decision on a registration or update: `true` to accept, `false` or a message to refuse. Asked
 * after the rules that always hold (no identity another party holds, none of ours), instead of the defaults.
 */
export type AuthorizeRegistration = (request: RegistrationRequest) => boolean | string | Promise<boolean | string>;

/** A refusal, answered 403 with OCPI 2001. */
export class IdentityError extends Error {
  override readonly name = "IdentityError";
}

/** Whether two roles name the same party (country_code and party_id, as CiStrings). */
export const sameParty = (a: { country_code: string; party_id: string }, b: { country_code: string; party_id: string }) =>
  sameCiString(a.country_code, b.country_code) && sameCiString(a.party_id, b.party_id);

const sameIdentity = (a: PartyIdentity, b: PartyIdentity) => a.role === b.role && sameParty(a, b);

const label = (r: PartyIdentity) => `${r.role} ${r.country_code}/${r.party_id}`;

/** The distinct parties (country_code/party_id) of a list of roles, as one comparable text. */
const partySet = (roles: readonly { country_code: string; party_id: string }[]) =>
  [...new Set(roles.map((r) => `${canonicalCiString(r.country_code)}/${canonicalCiString(r.party_id)}`))].sort().join(",");

export interface IdentityRules {
  /** Our own roles: no peer may claim them. */
  ours: readonly PartyIdentity[];
  /** Every party we know. */
  parties: readonly PartyRecord[];
  authorize?: AuthorizeRegistration;
}

/**
 * Throws an IdentityError naming the first rule the request breaks. Defaults (without `authorize`): with the
 * party's `allowedRoles`, every requested role must be one of them; without, any role but HUB; on an update, the
 * parties spoken for must stay the same unless `allowedRoles` covers the new ones.
 */
export async function checkIdentity(request: RegistrationRequest, rules: IdentityRules): Promise<void> {
  const { party, kind } = request;
  if (request.requested.length === 0) throw new IdentityError("the credentials name no role");
  // A hub granted by the application lists, besides itself, the parties reachable through it (2.3.0): those it
  // does not claim to be, and they are not checked as its own (ours among them is dropped when the roles are kept).
  const hubRoles = request.requested.filter((r) => r.role === "HUB");
  const grantedHub = !rules.authorize && hubRoles.length > 0 && hubRoles.every((h) => party.allowedRoles?.some((a) => sameIdentity(a, h)));
  const requested = grantedHub ? hubRoles : request.requested;
  for (const role of requested) {
    if (rules.ours.some((r) => sameParty(r, role))) throw new IdentityError(`${role.country_code}/${role.party_id} is our own party`);
    const holder = rules.parties.find((p) => p.id !== party.id && p.status === "registered" && p.roles.some((r) => sameParty(r, role)));
    if (holder) throw new IdentityError(`${role.country_code}/${role.party_id} is registered to another platform`);
  }
  if (rules.authorize) {
    const verdict = await rules.authorize(request);
    if (verdict === true) return;
    throw new IdentityError(typeof verdict === "string" && verdict ? verdict : `the roles ${requested.map(label).join(", ")} are not granted to this token`);
  }
  const allowed = party.allowedRoles;
  if (allowed) {
    const refused = requested.filter((r) => !allowed.some((a) => sameIdentity(a, r)));
    if (refused.length) throw new IdentityError(`the roles ${refused.map(label).join(", ")} are not granted to this token`);
    return;
  }
  const hub = requested.find((r) => r.role === "HUB");
  if (hub) throw new IdentityError(`the role ${label(hub)} must be granted by the application (allowedRoles)`);
  if (kind === "update" && partySet(requested) !== partySet(party.roles)) {
    throw new IdentityError(`an update may not change the parties spoken for (${partySet(party.roles)}) without the application's approval`);
  }
}
