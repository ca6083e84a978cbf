// What a type needs beyond its name: enum values, constraints, an object's parameters,
// an array's element type (itself any type, so arrays of objects of arrays... work).
import { useId } from "react";
import { PARAM_TYPES, type ParamType } from "../types";
import { useBuilder } from "./context";
import { constraintErrors, CONSTRAINTS_FOR, splitList, withType, type TypeDraft } from "./draft";
import { FieldProblems } from "./FieldProblems";
import { ParamList } from "./ParamList";

export function TypeSettings({ node, path, depth }: { node: TypeDraft; path: string; depth: number }) {
  return (
    <>
      {node.type === "enum" ? <EnumValues node={node} path={path} /> : null}
      <ConstraintFields node={node} path={path} />
      {node.type === "object" ? (
        <ParamList
          params={node.params}
          parentUid={node.uid}
          parentPath={path}
          parentLabel={path || "this object"}
          depth={depth + 1}
        />
      ) : null}
      {node.type === "array" && node.items ? (
        <ItemEditor node={node.items} path={`${path}[]`} depth={depth} />
      ) : null}
    </>
  );
}

function EnumValues({ node, path }: { node: TypeDraft; path: string }) {
  const { update } = useBuilder();
  const id = useId();
  const values = splitList(node.values);
  const repeated = values.find((v, i) => values.indexOf(v) !== i);
  const error = !values.length ? "An enum needs at least one value." : repeated ? `“${repeated}” is listed twice.` : null;
  return (
    <div className="field">
      <label htmlFor={id}>Allowed values</label>
      <input
        id={id}
        value={node.values}
        placeholder="Comma separated, e.g. new, used, refurbished"
        aria-invalid={Boolean(error)}
        aria-describedby={`${id}-values`}
        onChange={(event) => update(node.uid, (n) => ({ ...n, values: event.target.value }))}
        data-path={path}
      />
      <p id={`${id}-values`} className={error ? "field-error" : "hint"}>
        {error ??
          values.map((v) => (
            <span key={v} className="value-chip">
              {v}
            </span>
          ))}
      </p>
    </div>
  );
}

function ConstraintFields({ node, path }: { node: TypeDraft; path: string }) {
  const { update, problemsAt } = useBuilder();
  const id = useId();
  const fields = CONSTRAINTS_FOR[node.type] ?? [];
  if (!fields.length) return null;
  const errors = constraintErrors(node);
  const serverProblems = problemsAt(path).filter((p) => p.where.includes(".constraints"));
  return (
    <div className="constraints" role="group" aria-label={`Constraints of ${path || "this value"}`}>
      {fields.map(({ key, label }) => (
        <div key={key} className={`field ${key === "pattern" ? "field-wide" : "field-small"}`}>
          <label htmlFor={`${id}-${key}`}>{label}</label>
          <input
            id={`${id}-${key}`}
            className={key === "pattern" ? "mono" : ""}
            inputMode={key === "pattern" ? undefined : "decimal"}
            value={node.constraints[key]}
            placeholder={key === "pattern" ? "a regular expression" : "none"}
            aria-invalid={Boolean(errors[key])}
            aria-describedby={errors[key] ? `${id}-${key}-error` : undefined}
            onChange={(event) =>
              update(node.uid, (n) => ({ ...n, constraints: { ...n.constraints, [key]: event.target.value } }))
            }
          />
          {errors[key] ? (
            <p id={`${id}-${key}-error`} className="field-error">
              {errors[key]}
            </p>
          ) : null}
        </div>
      ))}
      <FieldProblems problems={serverProblems} />
    </div>
  );
}

/** An array's element type. */
function ItemEditor({ node, path, depth }: { node: TypeDraft; path: string; depth: number }) {
  const { update, problemsAt } = useBuilder();
  const id = useId();
  const problems = problemsAt(path).filter((p) => !p.where.includes(".constraints"));
  return (
    <div className="item-editor" role="group" aria-label={`Elements of ${path.replace(/\[\]$/, "")}`}>
      <div className="field field-type">
        <label htmlFor={`${id}-type`}>
          Each element is
        </label>
        <select
          id={`${id}-type`}
          value={node.type}
          onChange={(event) => update(node.uid, (n) => withType(n, event.target.value as ParamType))}
        >
          {PARAM_TYPES.map((t) => (
            <option key={t} value={t}>
              {t === "object" ? "object (with parameters)" : t === "array" ? "array (a list of lists)" : t}
            </option>
          ))}
        </select>
      </div>
      <TypeSettings node={node} path={path} depth={depth} />
      <FieldProblems problems={problems} />
    </div>
  );
}
