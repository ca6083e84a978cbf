// What every parameter editor may do to the tree, without passing it down by hand.
import { createContext, useContext } from "react";
import type { ParamType, Problem } from "../types";
import type { TypeDraft } from "./draft";

export interface BuilderActions {
  /** Changes the node `uid` (a parameter or an array's element type). */
  update: (uid: string, edit: (node: TypeDraft) => TypeDraft) => void;
  /** Adds a parameter to the list of `parentUid` ("root": the event's own parameters). */
  add: (parentUid: string, type?: ParamType) => void;
  remove: (parentUid: string, index: number) => void;
  move: (parentUid: string, index: number, by: -1 | 1) => void;
  /** What the registry found wrong at a parameter path (`item.seller.seller_id`). */
  problemsAt: (path: string) => Problem[];
  /** "Collapse all" / "Expand all": every editor follows the latest request. */
  folding: { collapsed: boolean; request: number };
}

export const BuilderContext = createContext<BuilderActions | null>(null);

export function useBuilder(): BuilderActions {
  const actions = useContext(BuilderContext);
  if (!actions) throw new Error("useBuilder outside the schema builder");
  return actions;
}
