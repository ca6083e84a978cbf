import type { ReactNode } from "react";
import type { Role } from "../api";
import { hasRole, useIdentity } from "../hooks";

/** Renders `children` only when the signed-in role is at least `minimum`. */
export function RequireRole({
  minimum,
  children,
  fallback = null,
}: {
  minimum: Role;
  children: ReactNode;
  fallback?: ReactNode;
}) {
  const { data } = useIdentity();
  return <>{hasRole(data, minimum) ? children : fallback}</>;
}
