// Where a capability plugs in its pages. Each entry's routes are children of
// the capability's path (e.g. "/events"): an `index` route for its first page,
// then its own paths ("new", ":name", ":name/diff"...). A capability without an
// entry shows the "not built yet" page.
import type { RouteObject } from "react-router";
import type { CapabilityId } from "./capabilities";
import { eventRoutes } from "./events/routes";

export const capabilityRoutes: Partial<Record<CapabilityId, RouteObject[]>> = {
  events: eventRoutes,
};

export function isBuilt(id: CapabilityId): boolean {
  return capabilityRoutes[id] !== undefined;
}
