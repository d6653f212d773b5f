// Compile-time tests of the client of one version: its calls and its type are those of that version.
import { describe, expectTypeOf, test } from "vitest";
import { OcpiClient } from "./generated/2.2.1/client.gen.js";
import type { OcpiClient as AnyVersionClient } from "./index.js";

describe("OcpiClient of @ocpi-sdk/client/2.2.1", () => {
  test("connect and restore give a 2.2.1 client, the type the all-versions client has for 2.2.1", () => {
    expectTypeOf(OcpiClient.connect({ versionsUrl: "https://x.example/versions", token: "t" })).resolves.toEqualTypeOf<AnyVersionClient<"2.2.1">>();
    expectTypeOf(
      OcpiClient.restore({ versionsUrl: "https://x.example/versions", token: "t" }, { version: "2.2.1", endpoints: [] }),
    ).toEqualTypeOf<OcpiClient>();
    expectTypeOf<OcpiClient["version"]>().toEqualTypeOf<"2.2.1" | undefined>();
    expectTypeOf<OcpiClient["locations"]>().toEqualTypeOf<AnyVersionClient<"2.2.1">["locations"]>();
  });

  test("other versions do not compile", () => {
    // @ts-expect-error 2.1.1 is not this client's
    OcpiClient.connect({ versionsUrl: "https://x.example/versions", token: "t", versions: ["2.1.1"] });
    // @ts-expect-error 2.3.0 is not this client's
    OcpiClient.restore({ versionsUrl: "https://x.example/versions", token: "t" }, { version: "2.3.0", endpoints: [] });
  });
});
