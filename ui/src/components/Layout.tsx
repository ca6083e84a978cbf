// The frame of every page: header (name, health, token), navigation, main.
import { Link, NavLink, Outlet } from "react-router";
import { CAPABILITIES } from "../capabilities";
import { isBuilt } from "../capabilityRoutes";
import { HEALTH_REFRESH_MS, useHealth } from "../hooks";
import { HealthBar } from "./HealthBar";
import { TokenControl } from "./TokenControl";

function Logo() {
  return (
    <svg aria-hidden="true" viewBox="0 0 32 32" width="28" height="28" className="logo">
      <rect width="32" height="32" rx="7" fill="#5b3a1e" />
      <path d="M6 21c4-3 7-3 10 0s6 3 10 0" stroke="#e9c58f" strokeWidth="2.5" fill="none" strokeLinecap="round" />
      <path d="M6 14c4-3 7-3 10 0s6 3 10 0" stroke="#c98b4a" strokeWidth="2.5" fill="none" strokeLinecap="round" />
    </svg>
  );
}

function ServerDownBanner() {
  const health = useHealth();
  if (!health.isError || !health.error.unreachable) return null;
  return (
    <div className="banner banner-down" role="alert" data-testid="server-down">
      <strong>Cannot reach the Loam server.</strong> Start it with <code>loam up</code> (or{" "}
      <code>make demo</code>); this page tries again every {Math.round(HEALTH_REFRESH_MS / 1000)} s.
    </div>
  );
}

export function Layout() {
  const health = useHealth();
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar" role="banner">
        <Link to="/" className="brand" aria-label="Loam home">
          <Logo />
          <span className="brand-name">Loam</span>
        </Link>
        <HealthBar />
        <TokenControl />
      </header>
      <div className="body">
        <nav className="sidenav" aria-label="Capabilities">
          <NavLink to="/" end className="nav-link">
            Overview
          </NavLink>
          <p className="nav-heading" id="nav-capabilities">
            Capabilities
          </p>
          <ul aria-labelledby="nav-capabilities">
            {CAPABILITIES.map((capability) => (
              <li key={capability.id}>
                <NavLink
                  to={capability.path}
                  className="nav-link"
                  data-testid={`nav-${capability.id}`}
                >
                  <span>{capability.name}</span>
                  {isBuilt(capability.id) ? null : (
                    <span className="nav-badge" title="Not built yet">
                      soon
                    </span>
                  )}
                </NavLink>
              </li>
            ))}
          </ul>
          <p className="nav-footer">
            <a href="/api/docs">API reference</a>
            {health.data?.version ? <span className="version">v{health.data.version}</span> : null}
          </p>
        </nav>
        <main id="main" className="main" tabIndex={-1}>
          <ServerDownBanner />
          <Outlet />
        </main>
      </div>
    </div>
  );
}
