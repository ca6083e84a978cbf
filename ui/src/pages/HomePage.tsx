import { Link } from "react-router";
import { CAPABILITIES } from "../capabilities";
import { isBuilt } from "../capabilityRoutes";
import { PageHeader } from "../components/PageHeader";
import { useToken } from "../hooks";

export function HomePage() {
  const token = useToken();
  return (
    <article className="page" data-testid="page-home">
      <PageHeader
        title="Loam"
        description="An open-source data platform in one Python package: governed event collection, change data capture, lineage, lineage-aware models, user activation, fraud rules and low-code workflows."
      />
      <p className="lede">
        Loam runs on one machine with nothing to start (SQLite, DuckDB, Parquet files and a SQLite
        log) and scales out onto the engines a company already runs: PostgreSQL, Kafka, BigQuery,
        dbt and Airflow. The health of each of those parts is shown at the top of every page.
      </p>
      {token ? null : (
        <p className="callout">
          To change anything, add an API token with the <strong>Add token</strong> button at the
          top right; <code>make demo</code> prints an admin token when it starts.
        </p>
      )}
      <h2 id="capabilities-title">Capabilities</h2>
      <ul className="cards" aria-labelledby="capabilities-title">
        {CAPABILITIES.map((capability) => (
          <li key={capability.id} className="card">
            <h3>
              <Link to={capability.path} className="card-link">
                {capability.name}
              </Link>
            </h3>
            <p>{capability.summary}</p>
            <p className="card-status">
              {isBuilt(capability.id) ? (
                <span className="badge badge-ok">Ready</span>
              ) : (
                <span className="badge">Not built yet</span>
              )}
            </p>
          </li>
        ))}
      </ul>
    </article>
  );
}
