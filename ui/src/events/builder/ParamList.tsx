// A list of parameter editors (the event's own, or an object's) and the button that adds one.
import { useBuilder } from "./context";
import type { ParamDraft } from "./draft";
import { ParamEditor } from "./ParamEditor";

export function ParamList({
  params,
  parentUid,
  parentPath,
  parentLabel,
  depth,
}: {
  params: ParamDraft[];
  parentUid: string;
  /** Path of the parent ("" for the event), so children read `item.seller`. */
  parentPath: string;
  parentLabel: string;
  depth: number;
}) {
  const { add } = useBuilder();
  const top = parentUid === "root";
  return (
    <div className={top ? "param-list-top" : "param-list-nested"}>
      {!top ? <p className="nested-title small">Parameters of {parentLabel}</p> : null}
      {params.length ? (
        <ol className="param-list">
          {params.map((p, index) => (
            <ParamEditor
              key={p.uid}
              param={p}
              path={parentPath ? `${parentPath}.${p.name.trim()}` : p.name.trim()}
              index={index}
              count={params.length}
              parentUid={parentUid}
              depth={depth}
            />
          ))}
        </ol>
      ) : (
        <p className="muted small">{top ? "No parameters yet." : "No parameters in this object yet."}</p>
      )}
      <button
        id={`add-${parentUid}`}
        type="button"
        className="add-button"
        onClick={() => add(parentUid)}
      >
        + Add parameter{top ? "" : ` to ${parentLabel}`}
      </button>
    </div>
  );
}
