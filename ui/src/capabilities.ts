// The eight capabilities of Loam, in the order the navigation shows them.
// A capability's pages are registered in `routes.tsx`; until then its route
// shows a "not built yet" page built from `summary` and `plannedPage`.

export type CapabilityId =
  | "events"
  | "pipelines"
  | "cdc"
  | "lineage"
  | "models"
  | "activation"
  | "fraud"
  | "workflows";

export interface Capability {
  id: CapabilityId;
  /** Shown in the navigation and as the page title. */
  name: string;
  /** Route of the capability's first page. */
  path: `/${string}`;
  /** Python package under src/loam/ and API prefix /api/<package>. */
  apiPackage: string;
  /** What the capability does, in one sentence. */
  summary: string;
  /** What its page will let a user do, shown while it is not built. */
  plannedPage: string;
}

export const CAPABILITIES: readonly Capability[] = [
  {
    id: "events",
    name: "Events",
    path: "/events",
    apiPackage: "events",
    summary:
      "Event Center: a governed registry of event schemas with nested parameters, versions and exports, plus the collector that validates incoming events.",
    plannedPage:
      "Search the event dictionary, read an event's parameters and history, and define new events in a form without writing schema files.",
  },
  {
    id: "pipelines",
    name: "Pipelines",
    path: "/pipelines",
    apiPackage: "logpipe",
    summary:
      "Log pipeline controls: priority tiers, sampling per destination and a traffic controller that diverts overflow to a retry path.",
    plannedPage:
      "See throughput per tier and destination, and change sampling rates and priorities while the pipeline runs.",
  },
  {
    id: "cdc",
    name: "CDC",
    path: "/cdc",
    apiPackage: "cdc",
    summary:
      "Change data capture from MongoDB and PostgreSQL into raw and typed warehouse tables, with checkpoints, merges and schema evolution.",
    plannedPage:
      "Follow each captured source: its checkpoint, lag, last merge and the schema changes it picked up.",
  },
  {
    id: "lineage",
    name: "Lineage",
    path: "/lineage",
    apiPackage: "lineage",
    summary:
      "Column-level lineage extracted from SQL query logs, with upstream and downstream impact analysis and PII tags that follow the data.",
    plannedPage:
      "Explore a column's upstream sources and downstream dependents as a graph, and see where PII flows.",
  },
  {
    id: "models",
    name: "Models",
    path: "/models",
    apiPackage: "transform",
    summary:
      "dbt models orchestrated along lineage: runs, partitions, backfills and recovery planned from the lineage graph.",
    plannedPage:
      "List models with their latest runs and partitions, plan a backfill along lineage and check partitions.",
  },
  {
    id: "activation",
    name: "Activation",
    path: "/activation",
    apiPackage: "activation",
    summary:
      "User activation states (new, retained, reactivated, inactive) with transitions, streaks and gaps per day, week and month.",
    plannedPage:
      "Chart users' lifecycle states and transitions over time for any fact model and grain.",
  },
  {
    id: "fraud",
    name: "Fraud",
    path: "/fraud",
    apiPackage: "fraud",
    summary:
      "A rule engine of conditions, rules and policies with sanction levels, live thresholds, decisions and LLM review.",
    plannedPage:
      "Edit rules and thresholds live, and review recent decisions with their matched rules and verdicts.",
  },
  {
    id: "workflows",
    name: "Workflows",
    path: "/workflows",
    apiPackage: "workflows",
    summary:
      "Low-code workflows: extract, transform, load and notify steps linked in a DAG over connectors, run on schedules or as HTTP services.",
    plannedPage:
      "Draw a workflow from nodes, schedule it, publish it as an HTTP service and follow its runs.",
  },
];

export function capabilityById(id: CapabilityId): Capability {
  const found = CAPABILITIES.find((capability) => capability.id === id);
  if (!found) throw new Error(`unknown capability ${id}`);
  return found;
}
