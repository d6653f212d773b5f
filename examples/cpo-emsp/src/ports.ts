// The demo's ports, from flags and environment variables (flags first; a port named for one node before a base
// port): `--cpo-port`/`CPO_PORT`, `--emsp-port`/`EMSP_PORT`, or `--port`/`PORT` for the CPO with the next port for
// the eMSP. Nothing given: 3001 and 3002, or any free port where one is taken.
import { parseArgs } from "node:util";

export const USAGE = `Usage: npm start -- [--cpo-port N] [--emsp-port N] [--port N]

  --cpo-port N   the CPO's port (env CPO_PORT)
  --emsp-port N  the eMSP's port (env EMSP_PORT; default: the CPO's port + 1)
  --port N       the CPO's port, the eMSP on the next one (env PORT)
  0 means any free port. Default: 3001 and 3002, or free ports where those are taken.
  OCPI_DEMO_DATA names the data folder (default .data/demo).`;

export interface DemoPorts {
  /** Undefined: not asked for (the default is used, or a free port where it is taken). */
  cpoPort?: number;
  emspPort?: number;
  help: boolean;
}

export class PortsError extends Error {}

function port(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new PortsError(`${name} must be a port number (0 to 65535), not "${value}"`);
  return Number(value);
}

export function demoPorts(argv: string[], env: Record<string, string | undefined>): DemoPorts {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { "cpo-port": { type: "string" }, "emsp-port": { type: "string" }, port: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new PortsError(error instanceof Error ? error.message : String(error));
  }
  const cpoPort = port(values["cpo-port"], "--cpo-port") ?? port(values.port, "--port") ?? port(env.CPO_PORT, "CPO_PORT") ?? port(env.PORT, "PORT");
  const next = cpoPort === undefined ? undefined : cpoPort === 0 ? 0 : cpoPort + 1;
  if (next !== undefined && next > 65535) throw new PortsError(`the eMSP would listen on ${next}: give --emsp-port`);
  const emspPort = port(values["emsp-port"], "--emsp-port") ?? port(env.EMSP_PORT, "EMSP_PORT") ?? next;
  if (cpoPort !== undefined && cpoPort !== 0 && cpoPort === emspPort) throw new PortsError(`the CPO and the eMSP cannot both listen on ${cpoPort}`);
  return { ...(cpoPort !== undefined ? { cpoPort } : {}), ...(emspPort !== undefined ? { emspPort } : {}), help: values.help ?? false };
}
