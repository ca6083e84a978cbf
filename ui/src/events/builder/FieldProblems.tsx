import type { Problem } from "../types";

/** Problems the registry found at one field, right under it. */
export function FieldProblems({ problems, id }: { problems: Problem[]; id?: string }) {
  if (!problems.length) return null;
  return (
    <ul className="field-problems" id={id} data-testid="field-problems">
      {problems.map((p, i) => (
        <li key={i}>
          {p.problem}
          {p.suggestion ? (
            <>
              {" "}
              (try <code>{p.suggestion}</code>)
            </>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
