import { Link, useLocation } from "react-router";
import { PageHeader } from "../components/PageHeader";

export function NotFoundPage() {
  const location = useLocation();
  return (
    <article className="page" data-testid="page-not-found">
      <PageHeader title="Page not found" />
      <p>
        There is no page at <code>{location.pathname}</code>. Pick a capability on the left, or go{" "}
        <Link to="/">back to the overview</Link>.
      </p>
    </article>
  );
}
