import { describe, expect, it } from "vitest";
import { checkPeerProfile, PeerProfileError, renameQuery, rewriteUrl, type PeerProfile } from "./profile.js";

describe("checkPeerProfile: a profile from config is checked, field by field", () => {
  const full: PeerProfile = {
    validation: "lenient",
    urlRewrites: [{ from: "http://internal:8000/", to: "https://peer.example.com/" }],
    pagination: "auto",
    queryRenames: { tokensSenderAuthorize: { type: "token_type" } },
    endpoints: [{ identifier: "commands", role: "RECEIVER", url: "https://peer.example.com/ocpi/2.2.1/commands", version: "2.2.1" }],
    detailsAsList: true,
    authErrors: { statusCodes: [2000], messagePattern: "unauthori[sz]ed" },
  };

  it("accepts every setting, and survives a JSON round trip", () => {
    expect(checkPeerProfile(JSON.parse(JSON.stringify(full)))).toEqual(full);
    expect(checkPeerProfile({})).toEqual({});
  });

  it.each<[string, unknown, string]>([
    ["not an object", [], "/"],
    ["an unknown setting (a typo)", { pagnation: "offset" }, "/pagnation"],
    ["a validation mode that does not exist", { validation: "loose" }, "/validation"],
    ["a pagination mode that does not exist", { pagination: "cursor" }, "/pagination"],
    ["detailsAsList not a boolean", { detailsAsList: "yes" }, "/detailsAsList"],
    ["a rewrite to a non-http URL", { urlRewrites: [{ from: "http://a/", to: "file:///etc" }] }, "/urlRewrites/0/to"],
    ["a rename to an empty name", { queryRenames: { "*": { type: "" } } }, "/queryRenames/*/type"],
    ["an endpoint without a URL", { endpoints: [{ identifier: "commands" }] }, "/endpoints/0/url"],
    ["an endpoint with another role", { endpoints: [{ identifier: "commands", role: "BOTH", url: "https://a/" }] }, "/endpoints/0/role"],
    ["auth status codes that are not numbers", { authErrors: { statusCodes: ["2000"] } }, "/authErrors/statusCodes"],
    ["an auth message pattern that does not compile", { authErrors: { messagePattern: "(" } }, "/authErrors/messagePattern"],
  ])("refuses %s, naming %s", (_, value, pointer) => {
    const error = (() => {
      try {
        checkPeerProfile(value);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(PeerProfileError);
    expect((error as PeerProfileError).pointer).toBe(pointer === "/" ? "" : pointer);
  });
});

describe("rewriteUrl and renameQuery", () => {
  it.each([
    ["http://internal:8000/ocpi/2.2.1/locations", "https://peer.example.com/ocpi/2.2.1/locations"],
    ["https://other.example.com/ocpi", "https://other.example.com/ocpi"],
  ])("%s -> %s", (url, out) => {
    expect(rewriteUrl(url, [{ from: "http://internal:8000/", to: "https://peer.example.com/" }])).toBe(out);
  });

  it("renames by operation over the renames for every call", () => {
    const renames = { "*": { type: "kind", limit: "max" }, tokensSenderAuthorize: { type: "token_type" } };
    expect(renameQuery({ type: "RFID", limit: 5, other: 1 }, "tokensSenderAuthorize", renames)).toEqual({ token_type: "RFID", max: 5, other: 1 });
    expect(renameQuery({ type: "RFID" }, "locationsSenderList", renames)).toEqual({ kind: "RFID" });
    const query = { type: "RFID" };
    expect(renameQuery(query, "x", undefined)).toBe(query);
  });
});
