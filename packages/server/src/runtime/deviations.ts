/**
 * What a party's OCPI implementation gets wrong, seen by the clients the server makes for it (registration, pushes,
 * results): each kind is logged once per party as a `deviation` event, however many clients see it.
 */
import type { Deviation, OcpiClientOptions } from "@ocpi-sdk/client";
import type { PeerProfile } from "@ocpi-sdk/protocol";
import type { ServerEvent } from "./server.js";

export class PartyDeviations {
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly log?: (event: ServerEvent) => void) {}

  /** The client options for calls to a party: its profile, and the report of its deviations. */
  optionsFor(party: { id: string; profile?: PeerProfile }): Pick<OcpiClientOptions, "profile" | "onDeviation"> {
    return {
      ...(party.profile ? { profile: party.profile } : {}),
      onDeviation: (deviation) => this.report(party.id, deviation),
    };
  }

  private report(partyId: string, deviation: Deviation): void {
    let kinds = this.seen.get(partyId);
    if (!kinds) this.seen.set(partyId, (kinds = new Set()));
    if (kinds.has(deviation.code)) return;
    kinds.add(deviation.code);
    this.log?.({ type: "deviation", partyId, deviation });
  }
}
