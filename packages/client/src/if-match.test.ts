// ETag and If-Match on the client, against the scripted peer over real HTTP on 127.0.0.1.
import { afterEach, describe, expect, it } from "vitest";
import { envelope } from "@ocpi-sdk/protocol";
import { OcpiClient } from "./index.js";
import { sample } from "./testing/fixtures.js";
import { errorOf } from "./testing/errors.js";
import { startPeer, type Peer, type PeerOptions } from "./testing/peer.js";

const peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

async function setup(peerOptions: PeerOptions = {}) {
  const peer = await startPeer(peerOptions);
  peers.push(peer);
  const client = await OcpiClient.connect({
    versions: ["2.2.1"],
    versionsUrl: peer.versionsUrl,
    token: "token-c",
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
    urlPolicy: { allowLoopback: true },
  });
  return { peer, client };
}

const keys = { country_code: "NL", party_id: "TNM", location_id: "LOC1" };
const changed = { response: 'the object changed; its current ETag is "new"' };

describe("ETag and If-Match", () => {
  it("reads the ETag of an answer, and has none when the peer sent none", async () => {
    const { client } = await setup({ overrides: { locationsReceiverGet: (c) => c.json(envelope(sample("2.2.1", "Location")), 200, { ETag: '"abc"' }) } });
    expect((await client.locations.receiver.get(keys)).etag).toBe('"abc"');
    const plain = await client.locations.sender.get({ location_id: "LOC1" });
    expect(plain.etag).toBeUndefined();
    expect("etag" in plain).toBe(false);
  });

  it.each([
    ["PATCH", '"abc"'],
    ["PUT", "*"],
  ])("sends ifMatch as If-Match on a %s, and only when asked", async (method, ifMatch) => {
    const { peer, client } = await setup();
    const location = { ...sample<Record<string, unknown>>("2.2.1", "Location"), country_code: "NL", party_id: "TNM", id: "LOC1" };
    const send = (options?: { ifMatch: string }) =>
      method === "PATCH"
        ? client.locations.receiver.patch({ ...keys, body: { name: "x", last_updated: "2024-06-01T00:00:00Z" } }, options)
        : client.locations.receiver.put({ ...keys, body: location as never }, options);
    await send({ ifMatch });
    await send();
    const sent = peer.requests.filter((r) => r.method === method).map((r) => r.headers["if-match"]);
    expect(sent).toEqual([ifMatch, undefined]);
  });

  it.each([
    ["a GET", "locationsReceiverGet"],
    ["a PATCH", "locationsReceiverPatch"],
  ])("a 412 to %s is an http OcpiError, sent once (never retried)", async (_, operationId) => {
    const { peer, client } = await setup({ overrides: { [operationId]: (c) => c.json(envelope(undefined, 2000, changed.response), 412, { ETag: '"new"' }) } });
    const call =
      operationId === "locationsReceiverGet"
        ? client.locations.receiver.get(keys)
        : client.locations.receiver.patch({ ...keys, body: { last_updated: "2024-06-01T00:00:00Z" } }, { ifMatch: '"old"' });
    const error = await errorOf(call);
    expect(error).toMatchObject({ kind: "http", httpStatus: 412, statusCode: 2000, statusMessage: changed.response });
    expect(peer.requests.filter((r) => r.operationId === operationId)).toHaveLength(1);
  });
});
