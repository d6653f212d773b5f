// Which identities a registering peer may take: the rules for a hub that lists the parties it reaches.
import { describe, expect, it } from "vitest";
import type { PartyRecord, PeerRole } from "../store/store.js";
import { checkIdentity, IdentityError } from "./identity.js";

const role = (r: string, country_code: string, party_id: string): PeerRole => ({ role: r, country_code, party_id, business_details: { name: party_id } });
const OURS = role("CPO", "DE", "CP1");
const HUB = role("HUB", "NL", "HUB");
const HELD = role("EMSP", "BE", "MS2");
const now = "2024-01-01T00:00:00Z";
const party = (id: string, over: Partial<PartyRecord> = {}): PartyRecord => ({
  id,
  incomingToken: `t-${id}`,
  incomingTokenKind: "A",
  endpoints: [],
  roles: [],
  status: "pending",
  createdAt: now,
  updatedAt: now,
  ...over,
});
const holder = party("other", { status: "registered", roles: [HELD] });
const grantedHub = { allowedRoles: [{ role: "HUB", country_code: "NL", party_id: "HUB" }] };

describe("checkIdentity", () => {
  it.each([
    [
      "a granted hub listing the parties it reaches, us and a party connected directly among them",
      grantedHub,
      [HUB, OURS, HELD, role("EMSP", "NL", "MS1")],
      undefined,
    ],
    ["a hub not granted", {}, [HUB, role("EMSP", "NL", "MS1")], "must be granted"],
    [
      "a granted hub still not taking another identity as its own hub role",
      { allowedRoles: [{ role: "HUB", country_code: "NL", party_id: "HB2" }] },
      [HUB],
      "not granted",
    ],
    ["a party that is no hub listing a party another platform holds", {}, [role("EMSP", "NL", "MS1"), HELD], "registered to another platform"],
    ["a party that is no hub listing us", {}, [role("EMSP", "NL", "MS1"), OURS], "is our own party"],
  ] as [string, Partial<PartyRecord>, PeerRole[], string | undefined][])("%s", async (_, grant, requested, refusal) => {
    const check = checkIdentity({ party: party("p", grant), requested, kind: "register" }, { ours: [OURS], parties: [holder] });
    if (refusal === undefined) {
      await expect(check).resolves.toBeUndefined();
    } else {
      const error = await check.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdentityError);
      expect((error as Error).message).toContain(refusal);
    }
  });
});
