// Where `npm start` listens: flags, then environment variables, a node's own port before the shared base port.
import { describe, expect, it } from "vitest";
import { demoPorts } from "./ports.js";

describe("demoPorts", () => {
  it("asks for nothing by default (3001 and 3002, or free ports)", () => {
    expect(demoPorts([], {})).toEqual({ help: false });
  });

  it("takes PORT for the CPO and the next port for the eMSP", () => {
    expect(demoPorts([], { PORT: "8080" })).toEqual({ cpoPort: 8080, emspPort: 8081, help: false });
    expect(demoPorts(["--port", "9000"], { PORT: "8080" })).toEqual({ cpoPort: 9000, emspPort: 9001, help: false });
    expect(demoPorts(["--port=0"], {})).toEqual({ cpoPort: 0, emspPort: 0, help: false });
  });

  it("takes each node's own port first, flags before the environment", () => {
    expect(demoPorts([], { CPO_PORT: "4000", EMSP_PORT: "5000", PORT: "8080" })).toEqual({ cpoPort: 4000, emspPort: 5000, help: false });
    expect(demoPorts(["--cpo-port", "4100"], { CPO_PORT: "4000" })).toEqual({ cpoPort: 4100, emspPort: 4101, help: false });
    expect(demoPorts(["--emsp-port", "5100"], { EMSP_PORT: "5000" })).toEqual({ emspPort: 5100, help: false });
    expect(demoPorts(["--cpo-port", "4100", "--emsp-port", "4000"], { PORT: "1" })).toEqual({ cpoPort: 4100, emspPort: 4000, help: false });
  });

  it("refuses what is not a port, unknown flags and one port for both", () => {
    expect(() => demoPorts([], { PORT: "abc" })).toThrow('PORT must be a port number (0 to 65535), not "abc"');
    expect(() => demoPorts(["--cpo-port", "70000"], {})).toThrow("--cpo-port must be a port number");
    expect(() => demoPorts(["--port", "65535"], {})).toThrow("give --emsp-port");
    expect(() => demoPorts(["--cpo-port", "4000", "--emsp-port", "4000"], {})).toThrow("cannot both listen on 4000");
    expect(() => demoPorts(["--cpo"], {})).toThrow("Unknown option '--cpo'");
  });

  it("has a help flag", () => {
    expect(demoPorts(["--help"], {}).help).toBe(true);
    expect(demoPorts(["-h"], {}).help).toBe(true);
  });
});
