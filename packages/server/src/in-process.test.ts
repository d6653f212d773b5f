// A client and servers in one process, no sockets: `server.app.fetch` given as the client's (and a server's) fetch
// as it is. The hosts are named and opened with urlPolicy.allowHosts (they resolve nowhere: nothing is dialled).
import { afterEach, describe, expect, it } from "vitest";
import { OcpiClient } from "@ocpi-sdk/client";
import type * as T from "@ocpi-sdk/types/2.2.1";
import { sample } from "../../client/src/testing/fixtures.js";
import { saveObject, storeHandlers } from "./handlers/store-handlers.js";
import { createOcpiServer, type OcpiServer } from "./runtime/server.js";
import { MemoryStore } from "./store/memory.js";
import { CPO_ROLE, EMSP_ROLE } from "./testing/nodes.js";

const servers: OcpiServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) server.close();
});

describe("in process, through app.fetch", () => {
  it("a client discovers, registers with and pulls from a server whose app.fetch is its fetch", async () => {
    const cpoStore = new MemoryStore();
    const emspStore = new MemoryStore();
    // The CPO calls the eMSP back during the handshake: through the eMSP's app, made below.
    let emsp: OcpiServer | undefined;
    const cpo = createOcpiServer({
      publicUrl: "https://cpo.test",
      roles: [CPO_ROLE],
      store: cpoStore,
      handlers: storeHandlers(cpoStore, { roles: [CPO_ROLE] }),
      fetch: (request) => emsp!.app.fetch(request),
      urlPolicy: { allowHosts: ["emsp.test"] },
      logger: false,
    });
    emsp = createOcpiServer({
      publicUrl: "https://emsp.test",
      roles: [EMSP_ROLE],
      store: emspStore,
      handlers: storeHandlers(emspStore, { roles: [EMSP_ROLE] }),
      fetch: cpo.app.fetch,
      urlPolicy: { allowHosts: ["cpo.test"] },
      logger: false,
    });
    servers.push(cpo, emsp);
    const location: T.Location = { ...sample<T.Location>("2.2.1", "Location"), country_code: "NL", party_id: "CPO", id: "LOC1" };
    await saveObject(cpoStore, "locations", location.id, location);

    const { token } = await cpo.credentials.createRegistrationToken();
    const discovered = await OcpiClient.connect({
      versionsUrl: cpo.versionsUrl,
      token,
      fetch: cpo.app.fetch,
      urlPolicy: { allowHosts: ["cpo.test"] },
      logger: false,
    });
    expect(discovered.version).toBe("2.2.1");
    expect(discovered.versions).toEqual([{ version: "2.2.1", url: "https://cpo.test/ocpi/2.2.1" }]);

    const party = await emsp.credentials.registerWith({ versionsUrl: cpo.versionsUrl, token });
    expect(party).toMatchObject({ status: "registered", version: "2.2.1" });
    const client = await OcpiClient.connect({
      versionsUrl: cpo.versionsUrl,
      token: party.outgoingToken!,
      versions: ["2.2.1"],
      fetch: cpo.app.fetch,
      urlPolicy: { allowHosts: ["cpo.test"] },
      logger: false,
    });
    const pulled = await client.locations.sender.all().toArray();
    expect(pulled).toEqual([location]);
    expect((await emsp.credentials.clientFor(party, "2.2.1").locations.sender.get({ location_id: "LOC1" })).data).toEqual(location);
  });
});
