import { Link } from "react-router";
import type { Capability } from "../capabilities";
import { PageHeader } from "../components/PageHeader";

/** What a capability's route shows until its pages are built. */
export function NotBuiltPage({ capability }: { capability: Capability }) {
  return (
    <article className="page" data-testid={`page-${capability.id}`}>
      <PageHeader title={capability.name} description={capability.summary} />
      <section className="notice" aria-labelledby="not-built-title" data-testid="not-built">
        <h2 id="not-built-title">Not built yet</h2>
        <p>
          <span className="planned-label">Planned:</span> {capability.plannedPage}
        </p>
        <p className="muted small">
          Its API will live under <code>/api/{capability.apiPackage}</code> and its Python package
          at <code>loam.{capability.apiPackage}</code>.
        </p>
      </section>
      <p>
        <Link to="/">← Back to the overview</Link>
      </p>
    </article>
  );
}
