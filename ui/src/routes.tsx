import type { RouteObject } from "react-router";
import { CAPABILITIES } from "./capabilities";
import { capabilityRoutes } from "./capabilityRoutes";
import { Layout } from "./components/Layout";
import { HomePage } from "./pages/HomePage";
import { NotBuiltPage } from "./pages/NotBuiltPage";
import { NotFoundPage } from "./pages/NotFoundPage";

export const routes: RouteObject[] = [
  {
    path: "/",
    element: <Layout />,
    children: [
      { index: true, element: <HomePage /> },
      ...CAPABILITIES.map(
        (capability): RouteObject => ({
          path: capability.path.slice(1),
          handle: { capability: capability.id },
          children: capabilityRoutes[capability.id] ?? [
            { index: true, element: <NotBuiltPage capability={capability} /> },
            { path: "*", element: <NotBuiltPage capability={capability} /> },
          ],
        }),
      ),
      { path: "*", element: <NotFoundPage /> },
    ],
  },
];
