/**
 * Credentials module: Credentials between OCPI 2.1.1 (one party, flat), 2.2.1 (a list of roles) and 2.3.0 (roles
 * plus `hub_party_id`).
 *
 * - 2.1.1 → 2.2.1: `business_details`, `party_id`, `country_code` move into a single role, whose `role` comes from
 *   the context.
 * - 2.2.1 → 2.1.1: one role is kept (the context's `role`, else the first); the others and its `role` are dropped;
 *   non-ASCII business names are transliterated. A token that is not printable ASCII throws a RangeError.
 * - 2.2.1 → 2.3.0: a `HUB` role becomes `OTHER`, and the first hub's party is given as `hub_party_id`. A token with
 *   white space or non-ASCII characters throws a RangeError (2.3.0 forbids them, and a token cannot be rewritten).
 * - 2.3.0 → 2.2.1: the `OTHER` role of the `hub_party_id` party becomes `HUB`; without one `hub_party_id` is dropped;
 *   image categories 2.2.1 lacks become `OTHER`.
 */
import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import type * as V230 from "@ocpi-sdk/types/2.3.0";
import { done, Notes, type Conversion } from "./conversion.js";
import { chain, cloneJson, DECOMPOSED_ASCII, fitAscii, IMAGE_CATEGORIES_221, isIn } from "./shared.js";

/** For 2.1.1 Credentials going up: 2.2.1 puts the party in a role, which 2.1.1 does not name. */
export interface CredentialsV211ToV221Context {
  /** The role the 2.1.1 party plays (2.1.1 does not say; usually CPO or EMSP). */
  role: V221.Role;
}

/** For 2.2.1 Credentials going down: which of the roles becomes the one 2.1.1 party. */
export interface CredentialsV221ToV211Context {
  /** Which role to keep (the first one playing it); by default the first role. */
  role?: V221.Role;
}

/** As {@link CredentialsV211ToV221Context}, with a 2.3.0 role. */
export interface CredentialsV211ToV230Context {
  /** The role the 2.1.1 party plays. */
  role: V230.Role;
}

/**
 * As {@link CredentialsV221ToV211Context}; the role is looked for after the 2.2.1 step, where the hub's `OTHER` role is
 * `HUB`.
 */
export interface CredentialsV230ToV211Context {
  /** Which role to keep (the first one playing it); by default the first role. */
  role?: V230.Role;
}

/** `role`: the role the 2.1.1 party plays (2.1.1 does not say; usually CPO or EMSP). */
export function credentialsV211ToV221(credentials: V211.Credentials, context: CredentialsV211ToV221Context): Conversion<V221.Credentials> {
  const notes = new Notes();
  const { token, url, business_details, party_id, country_code, ...extra } = cloneJson(credentials);
  for (const field of ["business_details", "party_id", "country_code"]) notes.changed(field, "moved into roles/0");
  notes.at("roles").at(0).defaulted("role", "2.1.1 credentials name no role; taken from the context");
  const value: V221.Credentials = {
    ...extra,
    token,
    url,
    roles: [{ role: context.role, business_details, party_id, country_code }],
  };
  return done(value, notes);
}

/**
 * `role`: which role to keep (the first one playing it); by default the first role. Throws a RangeError if no role
 * plays it, or if the token is not printable ASCII.
 */
export function credentialsV221ToV211(credentials: V221.Credentials, context: CredentialsV221ToV211Context = {}): Conversion<V211.Credentials> {
  const notes = new Notes();
  const { token, url, roles, ...extra } = cloneJson(credentials);
  if (!/^[ -~]*$/.test(token)) {
    throw new RangeError("token: 2.1.1 tokens are printable ASCII; this one cannot be carried over");
  }
  const index = context.role === undefined ? 0 : roles.findIndex((r) => r.role === context.role);
  const chosen = roles[index];
  if (chosen === undefined) {
    throw new RangeError(`roles: no ${context.role ?? ""} role to give as 2.1.1 credentials`);
  }
  roles.forEach((other, i) => {
    if (i !== index) {
      notes.at("roles").dropped(String(i), `2.1.1 credentials name one party; ${other.role} ${other.country_code}-${other.party_id} left out`);
    }
  });
  const { role, business_details, party_id, country_code, ...roleExtra } = chosen;
  const at = notes.at("roles").at(index);
  at.dropped("role", "2.1.1 credentials name no role");
  for (const field of ["business_details", "party_id", "country_code"]) at.changed(field, "moved to the top level");
  const value: V211.Credentials = {
    ...roleExtra,
    ...extra,
    token,
    url,
    business_details: businessDetailsDown(business_details, at.at("business_details")),
    party_id,
    country_code,
  };
  return done(value, notes);
}

/** Throws a RangeError if the token holds white space or non-ASCII characters, which 2.3.0 forbids. */
export function credentialsV221ToV230(credentials: V221.Credentials): Conversion<V230.Credentials> {
  const notes = new Notes();
  const { roles, ...rest } = cloneJson(credentials);
  if (!/^[!-~]*$/.test(rest.token)) {
    throw new RangeError("token: 2.3.0 tokens are printable ASCII without white space; this one cannot be carried over");
  }
  let hub: string | undefined;
  const roles230 = roles.map((r, i): V230.CredentialsRole => {
    if (r.role !== "HUB") return { ...r, role: r.role };
    hub ??= `${r.country_code}${r.party_id}`;
    notes.at("roles").at(i).changed("role", "2.3.0 has no HUB role: OTHER, the hub's party given as hub_party_id");
    return { ...r, role: "OTHER" };
  });
  const value: V230.Credentials = {
    ...rest,
    ...(hub === undefined || "hub_party_id" in rest ? {} : { hub_party_id: hub }),
    roles: roles230,
  };
  return done(value, notes);
}

/**
 * 2.3.0 Credentials as 2.2.1: the `OTHER` role of the `hub_party_id` party becomes `HUB` (without one `hub_party_id` is
 * dropped); logo categories 2.2.1 lacks become `OTHER`.
 */
export function credentialsV230ToV221(credentials: V230.Credentials): Conversion<V221.Credentials> {
  const notes = new Notes();
  const { hub_party_id, roles, ...rest } = cloneJson(credentials);
  const hubIndex =
    hub_party_id === undefined
      ? -1
      : roles.findIndex((r) => r.role === "OTHER" && `${r.country_code}${r.party_id}`.toUpperCase() === hub_party_id.toUpperCase());
  if (hub_party_id !== undefined) {
    if (hubIndex >= 0) notes.changed("hub_party_id", `given as the HUB role at /roles/${hubIndex}`);
    else notes.dropped("hub_party_id", "2.2.1 has no hub_party_id, and no OTHER role of that party to mark HUB");
  }
  const roles221 = roles.map((r, i): V221.CredentialsRole => {
    const at = notes.at("roles").at(i);
    const business_details = businessDetailsFrom230(r.business_details, at.at("business_details"));
    if (i !== hubIndex) return { ...r, business_details };
    at.changed("role", "the hub's own party (hub_party_id) is the HUB role in 2.2.1");
    return { ...r, role: "HUB", business_details };
  });
  return done({ ...rest, roles: roles221 }, notes);
}

/**
 * 2.1.1 Credentials as 2.3.0, through 2.2.1: one role, its `role` from the context. Throws a RangeError if the token
 * holds white space or non-ASCII characters.
 */
export function credentialsV211ToV230(credentials: V211.Credentials, context: CredentialsV211ToV230Context): Conversion<V230.Credentials> {
  return chain(credentialsV211ToV221(credentials, context), credentialsV221ToV230);
}

/**
 * 2.3.0 Credentials as 2.1.1, through 2.2.1: one role kept (the context's `role`, else the first). Throws a RangeError
 * if no role plays it, or if the token is not printable ASCII.
 */
export function credentialsV230ToV211(credentials: V230.Credentials, context: CredentialsV230ToV211Context = {}): Conversion<V211.Credentials> {
  return chain(credentialsV230ToV221(credentials), (c) => credentialsV221ToV211(c, context));
}

// ---------------------------------------------------------------------------------------------------------------
// BusinessDetails (2.1.1 and 2.2.1 have the same fields; 2.3.0's image category is an open enum)

function businessDetailsDown(details: V221.BusinessDetails, notes: Notes): V211.BusinessDetails {
  return { ...details, name: fitAscii(details.name, 100, "name", notes, DECOMPOSED_ASCII) };
}

function businessDetailsFrom230(details: V230.BusinessDetails, notes: Notes): V221.BusinessDetails {
  const { logo, ...rest } = details;
  if (logo === undefined) return rest;
  if (isIn(IMAGE_CATEGORIES_221, logo.category)) return { ...rest, logo: logo as V221.Image };
  notes.at("logo").changed("category", `image category ${logo.category} does not exist in 2.2.1; mapped to OTHER`);
  return { ...rest, logo: { ...logo, category: "OTHER" } };
}
