/**
 * The input rules of the outbox methods that every Store shares, so MemoryStore and PostgresStore accept and refuse
 * exactly the same deliveries, claims and queries.
 */
import type { DeliveryQuery, NewDelivery } from "./store.js";

/** Throws a TypeError unless the delivery has what a worker needs to send it; returns it. */
export function checkDelivery(delivery: NewDelivery): NewDelivery {
  for (const field of ["partyId", "orderKey", "operationId", "version"] as const) {
    if (typeof delivery?.[field] !== "string" || delivery[field] === "") throw new TypeError(`delivery: ${field} must be a non-empty string`);
  }
  if (delivery.url !== undefined && typeof delivery.url !== "string") throw new TypeError("delivery: url must be a string");
  if (
    delivery.params !== undefined &&
    (typeof delivery.params !== "object" || delivery.params === null || Object.values(delivery.params).some((v) => typeof v !== "string"))
  ) {
    throw new TypeError("delivery: params must be an object of strings");
  }
  if (delivery.to !== undefined && (typeof delivery.to?.country_code !== "string" || typeof delivery.to.party_id !== "string")) {
    throw new TypeError("delivery: to must name a country_code and a party_id");
  }
  return delivery;
}

const isCount = (n: unknown, min: number): boolean => Number.isSafeInteger(n) && (n as number) >= min;

/** Throws unless a claim names its worker and asks for at least one delivery for a positive lease. */
export function checkClaim(request: { worker: string; limit: number; leaseMs: number; partyId?: string }): void {
  if (typeof request?.worker !== "string" || request.worker === "") throw new TypeError("claimDeliveries: worker must be a non-empty string");
  if (!isCount(request.limit, 1)) throw new RangeError("claimDeliveries: limit must be a positive integer");
  if (!isCount(request.leaseMs, 1)) throw new RangeError("claimDeliveries: leaseMs must be a positive integer");
  if (request.partyId !== undefined && typeof request.partyId !== "string") throw new TypeError("claimDeliveries: partyId must be a string");
}

export function checkDeliveryQuery(query: DeliveryQuery): void {
  if (!isCount(query?.offset, 0) || !isCount(query.limit, 0)) throw new RangeError("listDeliveries: offset and limit must be non-negative integers");
  if (query.state !== undefined && query.state !== "pending" && query.state !== "dead") throw new RangeError("listDeliveries: state must be pending or dead");
}
