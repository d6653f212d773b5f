/**
 * Tokens module: Token, AuthorizationInfo and LocationReferences between OCPI 2.1.1, 2.2.1 and 2.3.0.
 *
 * - 2.1.1 → 2.2.1: `auth_id` becomes `contract_id`; `country_code`/`party_id` come from the `owner` context;
 *   LocationReferences loses `connector_ids`; AuthorizationInfo takes its required `token` from the context.
 * - 2.2.1 → 2.1.1: `country_code`, `party_id`, `group_id`, `default_profile_type`, `energy_contract` are dropped;
 *   token types 2.1.1 lacks (`AD_HOC_USER`, `APP_USER`) become `OTHER`; non-ASCII text is transliterated.
 * - 2.2.1 ↔ 2.3.0: the same shape; 2.3.0 token types 2.2.1 lacks (`EMAID`, custom values) become `OTHER`.
 */
import type * as V211 from "@ocpi-sdk/types/2.1.1";
import type * as V221 from "@ocpi-sdk/types/2.2.1";
import type * as V230 from "@ocpi-sdk/types/2.3.0";
import { done, Notes, type Conversion, type Owner } from "./conversion.js";
import { chain, cloneJson, DECOMPOSED_ASCII, displayTextDown, fitAscii, isIn, refuseLonger, TOKEN_TYPES_221, unchanged } from "./shared.js";

// ---------------------------------------------------------------------------------------------------------------
// Contexts

/** What a 2.1.1 Token lacks that 2.2.1 and 2.3.0 require: its owner. */
export interface TokenV211Context {
  /** The party owning the token (the eMSP): fills `country_code` and `party_id`. */
  owner: Owner;
}

/** What a 2.1.1 AuthorizationInfo lacks that 2.2.1 requires: the Token. */
export interface AuthorizationInfoV211ToV221Context {
  /** The Token the authorization is for (2.2.1 requires it; 2.1.1 does not repeat it). */
  token: V221.Token;
}

/** What a 2.1.1 AuthorizationInfo lacks that 2.3.0 requires: the Token. */
export interface AuthorizationInfoV211ToV230Context {
  /** The Token the authorization is for, put in as it is. */
  token: V230.Token;
}

// ---------------------------------------------------------------------------------------------------------------
// Token

/** 2.1.1 Token as 2.2.1: owner from the context; `auth_id` renamed `contract_id`. */
export function tokenV211ToV221(token: V211.Token, context: TokenV211Context): Conversion<V221.Token> {
  const notes = new Notes();
  return done(tokenUp(cloneJson(token), context.owner, notes), notes);
}

/**
 * 2.2.1 Token as 2.1.1: owner, `group_id`, `default_profile_type`, `energy_contract` dropped; `contract_id` renamed
 * `auth_id`; types 2.1.1 lacks become `OTHER`; non-ASCII text transliterated.
 */
export function tokenV221ToV211(token: V221.Token): Conversion<V211.Token> {
  const notes = new Notes();
  return done(tokenDown(cloneJson(token), notes), notes);
}

/** 2.2.1 Token as 2.3.0: a copy; nothing is lost. */
export function tokenV221ToV230(token: V221.Token): Conversion<V230.Token> {
  return unchanged<V230.Token>(token);
}

/** 2.3.0 Token as 2.2.1: token types 2.2.1 lacks (`EMAID`, custom values) become `OTHER`. */
export function tokenV230ToV221(token: V230.Token): Conversion<V221.Token> {
  const notes = new Notes();
  return done(tokenFrom230(cloneJson(token), notes), notes);
}

/** 2.1.1 Token as 2.3.0, through 2.2.1 (owner from the context). */
export function tokenV211ToV230(token: V211.Token, context: TokenV211Context): Conversion<V230.Token> {
  return chain(tokenV211ToV221(token, context), tokenV221ToV230);
}

/** 2.3.0 Token as 2.1.1, through 2.2.1. */
export function tokenV230ToV211(token: V230.Token): Conversion<V211.Token> {
  return chain(tokenV230ToV221(token), tokenV221ToV211);
}

// ---------------------------------------------------------------------------------------------------------------
// AuthorizationInfo

/** 2.2.1 requires the full Token in AuthorizationInfo; 2.1.1 has none, so the caller gives it. */
export function authorizationInfoV211ToV221(info: V211.AuthorizationInfo, context: AuthorizationInfoV211ToV221Context): Conversion<V221.AuthorizationInfo> {
  const notes = new Notes();
  return done(authorizationInfoUp(cloneJson(info), cloneJson(context.token), notes), notes);
}

/** 2.2.1 AuthorizationInfo as 2.1.1: `token` and `authorization_reference` dropped; `info` fitted to ASCII. */
export function authorizationInfoV221ToV211(info: V221.AuthorizationInfo): Conversion<V211.AuthorizationInfo> {
  const notes = new Notes();
  const { allowed, token, location, authorization_reference, info: text, ...extra } = cloneJson(info);
  if (token !== undefined) notes.dropped("token", "2.1.1 AuthorizationInfo does not repeat the token");
  if (authorization_reference !== undefined) {
    notes.dropped("authorization_reference", "2.1.1 has no authorization reference");
  }
  const value: V211.AuthorizationInfo = {
    ...extra,
    allowed,
    ...(location === undefined ? {} : { location }),
    ...(text === undefined ? {} : { info: displayTextDown(text, notes.at("info"), DECOMPOSED_ASCII) }),
  };
  return done(value, notes);
}

/** 2.2.1 AuthorizationInfo as 2.3.0: a copy; nothing is lost. */
export function authorizationInfoV221ToV230(info: V221.AuthorizationInfo): Conversion<V230.AuthorizationInfo> {
  return unchanged<V230.AuthorizationInfo>(info);
}

/** 2.3.0 AuthorizationInfo as 2.2.1: a token type 2.2.1 lacks becomes `OTHER`. */
export function authorizationInfoV230ToV221(info: V230.AuthorizationInfo): Conversion<V221.AuthorizationInfo> {
  const notes = new Notes();
  const copy = cloneJson(info);
  const value: V221.AuthorizationInfo = { ...copy, token: tokenFrom230(copy.token, notes.at("token")) };
  return done(value, notes);
}

/** The context token is a 2.3.0 Token and is put in as given. */
export function authorizationInfoV211ToV230(info: V211.AuthorizationInfo, context: AuthorizationInfoV211ToV230Context): Conversion<V230.AuthorizationInfo> {
  const notes = new Notes();
  return done(authorizationInfoUp(cloneJson(info), cloneJson(context.token), notes), notes);
}

/** 2.3.0 AuthorizationInfo as 2.1.1, through 2.2.1. */
export function authorizationInfoV230ToV211(info: V230.AuthorizationInfo): Conversion<V211.AuthorizationInfo> {
  return chain(authorizationInfoV230ToV221(info), authorizationInfoV221ToV211);
}

// ---------------------------------------------------------------------------------------------------------------
// LocationReferences (the body of a real-time authorization request)

/**
 * 2.1.1 LocationReferences as 2.2.1: `connector_ids` dropped (2.2.1 references EVSEs only). Throws a RangeError on a
 * location id or EVSE uid over 36 characters.
 */
export function locationReferencesV211ToV221(refs: V211.LocationReferences): Conversion<V221.LocationReferences> {
  const notes = new Notes();
  return done(locationReferencesUp(cloneJson(refs), notes), notes);
}

/** 2.2.1 LocationReferences as 2.1.1: a copy (2.2.1's ids fit 2.1.1's). */
export function locationReferencesV221ToV211(refs: V221.LocationReferences): Conversion<V211.LocationReferences> {
  // 2.2.1's CiString(36) ids fit 2.1.1's string(39).
  return unchanged<V211.LocationReferences>(refs);
}

/** 2.2.1 LocationReferences as 2.3.0: a copy (the same fields). */
export function locationReferencesV221ToV230(refs: V221.LocationReferences): Conversion<V230.LocationReferences> {
  return unchanged<V230.LocationReferences>(refs);
}

/** 2.3.0 LocationReferences as 2.2.1: a copy (the same fields). */
export function locationReferencesV230ToV221(refs: V230.LocationReferences): Conversion<V221.LocationReferences> {
  return unchanged<V221.LocationReferences>(refs);
}

/**
 * 2.1.1 LocationReferences as 2.3.0, through 2.2.1. Throws a RangeError on a location id or EVSE uid over 36
 * characters.
 */
export function locationReferencesV211ToV230(refs: V211.LocationReferences): Conversion<V230.LocationReferences> {
  return chain(locationReferencesV211ToV221(refs), locationReferencesV221ToV230);
}

/** 2.3.0 LocationReferences as 2.1.1, through 2.2.1: a copy. */
export function locationReferencesV230ToV211(refs: V230.LocationReferences): Conversion<V211.LocationReferences> {
  return chain(locationReferencesV230ToV221(refs), locationReferencesV221ToV211);
}

// ---------------------------------------------------------------------------------------------------------------
// Workers (take a private copy of the input, which they may take apart)

function tokenUp(token: V211.Token, owner: Owner, notes: Notes): V221.Token {
  const { uid, type, auth_id, visual_number, issuer, valid, whitelist, language, last_updated, ...extra } = token;
  notes.defaulted("country_code", "2.1.1 tokens carry no owner; taken from the owner context");
  notes.defaulted("party_id", "2.1.1 tokens carry no owner; taken from the owner context");
  notes.changed("auth_id", "renamed to contract_id");
  return {
    ...extra,
    country_code: owner.country_code,
    party_id: owner.party_id,
    uid,
    type,
    contract_id: auth_id,
    ...(visual_number === undefined ? {} : { visual_number }),
    issuer,
    valid,
    whitelist,
    ...(language === undefined ? {} : { language }),
    last_updated,
  };
}

const TOKEN_TYPES_211: readonly string[] = ["OTHER", "RFID"] satisfies V211.TokenType[];

function tokenDown(token: V221.Token, notes: Notes): V211.Token {
  const {
    country_code,
    party_id,
    uid,
    type,
    contract_id,
    visual_number,
    issuer,
    group_id,
    valid,
    whitelist,
    language,
    default_profile_type,
    energy_contract,
    last_updated,
    ...extra
  } = token;
  if (country_code !== undefined) notes.dropped("country_code", "2.1.1 tokens carry no owner");
  if (party_id !== undefined) notes.dropped("party_id", "2.1.1 tokens carry no owner");
  if (group_id !== undefined) notes.dropped("group_id", "2.1.1 has no token groups");
  if (default_profile_type !== undefined) notes.dropped("default_profile_type", "2.1.1 has no charging preferences");
  if (energy_contract !== undefined) notes.dropped("energy_contract", "2.1.1 has no energy contract");
  let type211: V211.TokenType;
  if (TOKEN_TYPES_211.includes(type)) {
    type211 = type as V211.TokenType;
  } else {
    type211 = "OTHER";
    notes.changed("type", `token type ${type} does not exist in 2.1.1; mapped to OTHER`);
  }
  notes.changed("contract_id", "renamed to auth_id");
  return {
    ...extra,
    uid,
    type: type211,
    auth_id: contract_id,
    ...(visual_number === undefined ? {} : { visual_number: fitAscii(visual_number, 64, "visual_number", notes, DECOMPOSED_ASCII) }),
    issuer: fitAscii(issuer, 64, "issuer", notes, DECOMPOSED_ASCII),
    valid,
    whitelist,
    ...(language === undefined ? {} : { language: fitAscii(language, 2, "language", notes, DECOMPOSED_ASCII) }),
    last_updated,
  };
}

function tokenFrom230(token: V230.Token, notes: Notes): V221.Token {
  if (isIn(TOKEN_TYPES_221, token.type)) return token as V221.Token;
  notes.changed("type", `token type ${token.type} does not exist in 2.2.1; mapped to OTHER`);
  return { ...token, type: "OTHER" };
}

function authorizationInfoUp<T>(
  info: V211.AuthorizationInfo,
  token: T,
  notes: Notes,
): { allowed: V221.AllowedType; token: T; location?: V221.LocationReferences; info?: V221.DisplayText } {
  const { allowed, location, info: text, ...extra } = info;
  notes.defaulted("token", "2.1.1 AuthorizationInfo has no token; taken from the context");
  return {
    ...extra,
    allowed,
    token,
    ...(location === undefined ? {} : { location: locationReferencesUp(location, notes.at("location")) }),
    ...(text === undefined ? {} : { info: text }),
  };
}

function locationReferencesUp(refs: V211.LocationReferences, notes: Notes): V221.LocationReferences {
  const { location_id, evse_uids, connector_ids, ...extra } = refs;
  if (connector_ids !== undefined) notes.dropped("connector_ids", "2.2.1 references EVSEs only, not connectors");
  return {
    ...extra,
    location_id: refuseLonger(location_id, 36, "location_id"),
    ...(evse_uids === undefined ? {} : { evse_uids: evse_uids.map((uid, i) => refuseLonger(uid, 36, `evse_uids/${i}`)) }),
  };
}
